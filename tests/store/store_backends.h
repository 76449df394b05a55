// The two store backends as the typed store tests see them: each makes a fresh, empty place to
// open stores on (a temporary data directory; a new database on the shared test PostgreSQL
// server), opens stores there, and can run raw SQL on it (to corrupt a row, or build an old
// schema). Plus helpers that wait for a store callback.
#ifndef FLOWHOST_TESTS_STORE_STORE_BACKENDS_H_
#define FLOWHOST_TESTS_STORE_STORE_BACKENDS_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "server/store/execution_store.h"
#include "server/store/store_options.h"
#include "tests/store/postgres_server.h"

namespace flowhost::store::testing {

// Waits for the callback of the operation `start` queues and returns what it was given (R is
// absl::Status or absl::StatusOr<T>); the store's own error when it refuses to queue it. A hang
// shows as DEADLINE_EXCEEDED after a minute rather than a stuck test.
template <typename R, typename Start>
R AwaitResult(Start&& start) {
  absl::Notification done;
  R result = absl::InternalError("callback not run");
  absl::Status queued = start([&](R r) {
    result = std::move(r);
    done.Notify();
  });
  if (!queued.ok()) return queued;
  if (!done.WaitForNotificationWithTimeout(absl::Minutes(1))) {
    return absl::DeadlineExceededError("the store never answered");
  }
  return result;
}

template <typename T, typename Start>
absl::StatusOr<T> Await(Start&& start) {
  return AwaitResult<absl::StatusOr<T>>(std::forward<Start>(start));
}

template <typename Start>
absl::Status AwaitDone(Start&& start) {
  return AwaitResult<absl::Status>(std::forward<Start>(start));
}

class SqliteBackend {
 public:
  SqliteBackend() = default;
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;
  ~SqliteBackend();  // removes the directory (close its stores first)
  static constexpr const char* kName = "sqlite";
  absl::Status Prepare();
  absl::StatusOr<ExecutionStorePtr> Open(StoreOptions options) const;
  absl::Status Migrate(int version) const;
  absl::Status Execute(const std::string& sql) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

class PostgresBackend {
 public:
  static constexpr const char* kName = "postgres";
  absl::Status Prepare();
  absl::StatusOr<ExecutionStorePtr> Open(StoreOptions options) const;
  absl::Status Migrate(int version) const;
  absl::Status Execute(const std::string& sql) const;
  std::string url() const;
  // The server every PostgresBackend of this process uses, started on first use.
  static PostgresServer& Server();

 private:
  std::string db_;
};

}  // namespace flowhost::store::testing

#endif  // FLOWHOST_TESTS_STORE_STORE_BACKENDS_H_
