// The remote-node hub: the workers connected to this host, per node type, and the work given to
// them. RemoteNode::Execute submits an item list (one node run) here; the hub sends it to the
// worker of its type with the most free credits, or queues it (bounded) until a credit is free;
// it turns the worker's partial output, log lines, usage and result back into calls on the node's
// NodeContext and its `done`. A session that breaks or falls silent past the heartbeat timeout is
// lost: its work in flight fails with the retryable class "unavailable" (so the node's retry runs
// it on another worker), and a later result for that work is refused.
//
// Ownership: shared (sessions and timers hold weak references). Each submitted work owns its
// `done`, which is called exactly once, on the scheduler's pool.
// Thread-safety: every method may be called from any thread; one mutex guards the tables, held
// only for table updates and non-blocking sends.
#ifndef FLOWHOST_SERVER_REMOTE_WORKER_HUB_H_
#define FLOWHOST_SERVER_REMOTE_WORKER_HUB_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "flowhost/plugin/v1/worker.pb.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/scheduler.h"
#include "server/remote/remote_config.h"
#include "server/remote/worker_stream.h"

namespace flowhost::remote {

// One node run handed to the hub.
struct RemoteWorkRequest {
  std::string node_type;
  plugin::v1::Assignment assignment;  // everything but work_id
  sdk::NodeContext* context = nullptr;  // valid until `done` is called
  sdk::NodeDone done;
  size_t output_count = 1;  // the node's outputs, to bound what a worker returns
};

// A connected worker, as ListWorkers shows it.
struct WorkerSnapshot {
  std::string session_id;
  std::string worker_id;
  std::string worker_build;
  std::vector<std::string> node_types;
  int64_t credits_free = 0;
  int64_t in_flight = 0;
  absl::Time connected;
  absl::Time last_heard;  // any message, heartbeats included
  bool draining = false;  // asked to drain
};

class WorkerHub : public std::enable_shared_from_this<WorkerHub> {
 public:
  // Says whether `type` is a node type a worker may not serve, and why ("the built-in node type
  // 'noop'"); nullopt when it is free.
  using ClashCheck = std::function<std::optional<std::string>(std::string_view type)>;

  // `scheduler` runs timers and completions and must outlive the hub; `logger` gets the hub's log
  // lines (each naming the worker).
  static std::shared_ptr<WorkerHub> Create(RemoteConfig config, sdk::Scheduler& scheduler,
                                           sdk::Logger& logger, ClashCheck clash = nullptr);
  ~WorkerHub();

  const RemoteConfig& config() const { return config_; }

  // Starts one node run: queued until a worker of its type holds a free credit. Fails it at once
  // with RESOURCE_EXHAUSTED (class "queue_full") when the type's queue is full, or UNAVAILABLE
  // naming the type when no worker connects within `worker_wait`.
  void Submit(RemoteWorkRequest request);

  // --- Called by a worker's session (WorkerSession), each with the session's stream. ---
  // A Hello: OK and the session registered (Accepted already sent), or the refusal (Refused sent;
  // the caller closes the stream with the returned status).
  absl::Status Admit(WorkerStream* stream, const plugin::v1::Hello& hello);
  // Any other worker message, a WorkerBatch included (its messages handled in order).
  void OnWorkerMessage(WorkerStream* stream, const plugin::v1::WorkerMessage& message);
  // The stream ended or broke; `why` says how. No-op for a stream not (or no longer) registered.
  void OnStreamGone(WorkerStream* stream, const absl::Status& why);

  // Stops the hub for good: fails the work it holds (UNAVAILABLE), closes every worker's stream and
  // refuses new ones; after it returns the hub never touches the scheduler again. Call it before
  // the scheduler goes (the destructor calls it too). Idempotent.
  void Stop();

  // Starts the shutdown drain: sends every worker Drain (`grace` is how long the host will wait for
  // what it holds), refuses new workers and new work from now on, fails the queued items
  // (UNAVAILABLE, class "unavailable"), and closes each session with OK once it holds nothing.
  // Work in flight runs on: its result still counts. Never blocks. Idempotent.
  void Drain(absl::Duration grace);

  // Waits until no worker holds work (or `deadline` passes); true when none does. For the shutdown
  // path, which may block: never call it from the scheduler's pool.
  bool WaitUntilIdle(absl::Time deadline) const;

  // Items of node type `type` waiting for a worker's credit.
  int64_t QueuedItems(std::string_view type) const;

  // The sessions connected now, sorted by worker id.
  std::vector<WorkerSnapshot> Workers() const;

  // Items waiting for a worker's credit, by node type (types with none are left out).
  std::map<std::string, int64_t> QueuedByType() const;

 private:
  struct Work;
  struct Session;

  WorkerHub(RemoteConfig config, sdk::Scheduler& scheduler, sdk::Logger& logger, ClashCheck clash);

  // OK, or why `hello` is refused (and `reason` set).
  absl::Status CheckHello(const plugin::v1::Hello& hello, plugin::v1::RefusedReason& reason) const;
  void SendAssignmentsLocked(const std::string& type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes `work` out of every table and posts its `done` with `result`.
  void CompleteLocked(const std::string& work_id, absl::StatusOr<sdk::NodeResult> result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void LoseSessionLocked(Session& session, const absl::Status& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends a draining session that holds nothing with OK, and forgets it.
  void CloseDrainedLocked(Session& session) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After a session's item completed: closes it when it is drained, else sends `type`'s queue on.
  void AfterItemLocked(Session& session, const std::string& type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool IdleLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Handles one message of a session (not a batch); false when the session is gone after it
  // (lost for a bad message, or closed once drained).
  bool HandleLocked(Session& session, const plugin::v1::WorkerMessage& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnResultLocked(Session& session, const plugin::v1::WorkResult& result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnCancelled(const std::string& work_id);
  void OnWaitExpired(const std::string& work_id);
  void OnGraceExpired(const std::string& work_id);
  void Tick();
  Work* FindInFlightLocked(Session& session, const std::string& work_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RemoteConfig config_;
  sdk::Scheduler& scheduler_;
  sdk::Logger& logger_;
  const ClashCheck clash_;
  std::map<std::string, const DeclaredRemoteType*, std::less<>> declared_;

  mutable absl::Mutex mu_;
  std::atomic<uint64_t> next_id_{1};
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  sdk::TimerId tick_timer_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, std::unique_ptr<Work>> works_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::deque<std::string>> queued_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<WorkerStream*, std::unique_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::remote

#endif  // FLOWHOST_SERVER_REMOTE_WORKER_HUB_H_
