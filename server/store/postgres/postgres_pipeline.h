// One PostgreSQL connection driven without blocking, in libpq's pipeline mode, by the store
// thread: jobs (a few statements ending in a sync point, so one implicit transaction) are sent as
// they come, many may be in flight, and their results are dispatched in order as the socket
// becomes readable. When the connection is lost every job in flight fails with UNAVAILABLE and the
// pipeline reconnects in the background (PQconnectStart / PQconnectPoll, backing off from 100 ms
// to 2 s); until it is back, `ready()` is false.
//
// Thread-safety: store thread only. Callbacks run on it, from HandlePoll or Send.
#ifndef FLOWHOST_SERVER_STORE_POSTGRES_POSTGRES_PIPELINE_H_
#define FLOWHOST_SERVER_STORE_POSTGRES_POSTGRES_PIPELINE_H_

#include <poll.h>

#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/store/postgres/postgres_connection.h"

namespace flowhost::store {

struct PgParam {
  std::optional<std::string> value;  // nullopt: NULL
  bool binary = false;               // sent as bytes (bytea), not text
};

struct PgStatement {
  std::string sql;
  std::vector<PgParam> params;
};

// One result per statement of a job, in order; a statement that did not run has none (nullptr).
using PgResults = std::vector<PgResult>;

struct PgJob {
  std::vector<PgStatement> statements;
  // `status`: OK, or the first statement's error (then the job's transaction was rolled back), or
  // UNAVAILABLE when the connection was lost.
  absl::AnyInvocable<void(absl::Status status, PgResults& results) &&> done;
};

class PgPipeline {
 public:
  PgPipeline(std::string conninfo, std::string what);

  // Takes over `conn`, connected at start-up. Returns an error if it cannot enter pipeline mode.
  absl::Status Adopt(PgConn conn);

  bool ready() const { return state_ == State::kReady; }
  size_t in_flight() const { return jobs_.size(); }
  PGconn* conn() const { return conn_.get(); }

  // Sends `job`; requires ready(). Its callback runs later, from HandlePoll.
  void Send(PgJob job);

  // Called with OK once (re)connected, and with UNAVAILABLE when the connection is lost or a
  // reconnect fails.
  void SetStateListener(absl::AnyInvocable<void(const absl::Status&)> listener) {
    on_state_ = std::move(listener);
  }
  // Called after input arrives, e.g. to read notifications with PQnotifies.
  void SetInputListener(absl::AnyInvocable<void(PGconn*)> listener) {
    on_input_ = std::move(listener);
  }

  // Adds this connection's socket, when it has one, with the events it waits for.
  void AddPollFd(std::vector<pollfd>& fds) const;
  // Handles the events polled for its socket (found in `fds`) and reconnects when due.
  void HandlePoll(std::span<const pollfd> fds);
  // When a reconnect attempt is due; InfiniteFuture when none is.
  absl::Time next_attempt() const;

 private:
  enum class State { kDown, kConnecting, kReady };

  void Lost(const std::string& why);
  void ReadResults();
  void Flush();
  void StartConnect();
  void ContinueConnect();
  void ConnectFailed();  // a connection attempt failed: report it, try again after the back-off

  const std::string conninfo_;
  const std::string what_;
  PgConn conn_;
  State state_ = State::kDown;
  PostgresPollingStatusType connect_poll_ = PGRES_POLLING_WRITING;
  bool flush_pending_ = false;
  absl::Time next_attempt_ = absl::InfinitePast();
  absl::Duration backoff_ = absl::Milliseconds(100);

  struct InFlight {
    PgJob job;
    PgResults results;
    size_t statement = 0;  // the statement whose results come next
    absl::Status status;
  };
  std::deque<InFlight> jobs_;
  absl::AnyInvocable<void(const absl::Status&)> on_state_;
  absl::AnyInvocable<void(PGconn*)> on_input_;
};

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_POSTGRES_POSTGRES_PIPELINE_H_
