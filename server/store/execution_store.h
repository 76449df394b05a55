// The execution store: where executions, their nodes, event logs and durable timers live, so
// that they outlast the RPC that started them, a restart and the replica that ran them.
//
// One interface, two backends beside it: sqlite/ (the embedded default, one process) and
// postgres/ (several replicas sharing one database). Both are written off the request path:
//
// - Every method returns at once. An OK return means the operation was queued; its callback (if
//   any) then runs exactly once, on the store's own thread, when the operation has been
//   committed or read. An error return means nothing was queued and the callback never runs:
//   RESOURCE_EXHAUSTED when the bounded queue is full (the store is slower than its writers; shed
//   load or retry later), UNAVAILABLE while the database is unreachable, FAILED_PRECONDITION after
//   Shutdown.
// - One store thread per backend takes the queue in order and commits consecutive writes in one
//   transaction (SQLite) or one pipelined implicit transaction (PostgreSQL). Operations are applied
//   in the order they were queued, so a read sees every write queued before it.
// - Callbacks run on the store thread: they must be quick and never block (post real work to a
//   scheduler). A callback may queue further operations.
//
// Writes to an execution's rows carry a Fence, issued by CreateExecution (claim_now) or
// ClaimExecutions to this instance. A write whose fence is stale (the execution was claimed
// since, after its lease expired) is refused with ABORTED, so a stale owner cannot overwrite a
// newer one. A fence for an execution this instance never created or claimed is refused too.
//
// Errors, by code: INVALID_ARGUMENT (an input over the cap, a malformed request), NOT_FOUND,
// ALREADY_EXISTS (an idempotency key reused with another workflow or input), ABORTED (a fenced
// write), RESOURCE_EXHAUSTED (queue full, database or disk full), UNAVAILABLE (database
// unreachable; retry), DATA_LOSS (a row that does not parse), INTERNAL (our bug).
//
// Thread-safety: every method may be called from any thread, including from a callback.
#ifndef FLOWHOST_SERVER_STORE_EXECUTION_STORE_H_
#define FLOWHOST_SERVER_STORE_EXECUTION_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"
#include "server/store/execution_model.h"

namespace flowhost::store {

class SharedRouteHealthStore;  // shared_route_health_store.h

template <typename T>
using Callback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;
using DoneCallback = absl::AnyInvocable<void(absl::Status) &&>;

// A new execution. With `claim_now` it starts kRunning, owned by this instance (a synchronous
// RunWorkflow, or an async start run here); otherwise kQueued, for any replica to claim.
struct NewExecution {
  // The id to give it; empty: the store makes a time-ordered one. A caller that must name the
  // execution before the store answers (a synchronous run, whose id is in its response and logs)
  // chooses it. Ignored when the idempotency key returns an existing execution.
  std::string id;
  std::string workflow;
  std::string workflow_hash;
  sdk::Json input = sdk::Json::object();
  std::string idempotency_key;            // empty for none; see CreateExecution
  std::optional<SavePolicy> save_policy;  // unset: the store's default
  RestartPolicy restart_policy = RestartPolicy::kResume;
  bool claim_now = false;
  std::string retry_of;  // the execution this one retries (RetryExecution); empty for none
};

struct CreatedExecution {
  std::string id;
  bool created = true;  // false: an execution with the same idempotency key already existed
  ExecutionStatus status = ExecutionStatus::kQueued;
  std::optional<Fence> fence;  // set when this call claimed it (claim_now and created)
};

// A node's progress: written when it starts (kRunning) and when it finishes. A later write for
// the same node replaces the earlier one (an upsert), so a retried or resumed node keeps one row.
struct NodeUpdate {
  NodeRow row;  // row.output_json is ignored: the store serialises `output`
  // The node's output items, one list per output port (null: none). Stored, under the
  // execution's output cap, for final states; the store serialises them on its own thread. Shared
  // and immutable, so the executor's items are recorded without a copy.
  std::shared_ptr<const std::vector<sdk::Items>> output;
};

// How a finished execution ended.
struct ExecutionOutcome {
  ExecutionStatus status = ExecutionStatus::kSucceeded;  // one of the final states
  absl::Status error;
  std::string failed_node;
  Totals totals;
  sdk::Items output;
  // Instead of `output` (left empty): the node output ports the final output is made of, in
  // order, as (node name, port). The store then keeps this reference rather than a second copy of
  // items that the nodes' rows already hold; GetExecution reads the items back from those rows
  // (a port whose node has no row or no stored items adds nothing; a node's truncation carries
  // over to the execution's output).
  std::vector<std::pair<std::string, int>> output_from;
};

// An execution this instance now holds under a lease.
struct Claim {
  Fence fence;
  ExecutionStatus previous_status = ExecutionStatus::kQueued;  // kRunning: a takeover, so resume
  int64_t last_event_sequence = 0;                             // continue the log after it
};

struct RenewResult {
  std::vector<std::string> lost;  // taken over or finished elsewhere: stop running these
  std::vector<std::string> cancel_requested;  // CancelExecution was asked for these
};

struct GetOptions {
  bool with_nodes = true;
  bool with_items = false;  // node outputs and the final output; they can be large
};

// ListExecutions: newest first (created_at, then id), keyset-paginated.
struct ListQuery {
  std::string workflow;                             // empty: every workflow
  std::vector<ExecutionStatus> statuses;            // empty: every status
  absl::Time created_after = absl::InfinitePast();  // exclusive bounds
  absl::Time created_before = absl::InfiniteFuture();
  int page_size = 50;      // 1..1000
  std::string page_token;  // from the previous page; empty for the first
};

struct ExecutionPage {
  std::vector<ExecutionRow> executions;  // without input and output text
  std::string next_page_token;           // empty on the last page
};

struct PruneResult {
  int64_t deleted_by_age = 0;
  int64_t deleted_by_count = 0;
};

// The store's counters, for metrics and tests.
struct StoreStats {
  int64_t queued = 0;  // operations waiting now
  int64_t committed_writes = 0;
  int64_t batches = 0;        // transactions committed
  int64_t failed_writes = 0;  // writes refused or failed (fenced ones included)
  int64_t refused_full = 0;   // operations refused because the queue was full
};

class ExecutionStore {
 public:
  virtual ~ExecutionStore() = default;

  // The name of this store instance, recorded as the owner of the executions it claims.
  virtual const std::string& owner() const = 0;

  // Records a new execution. With an idempotency key already used, returns the existing
  // execution (created = false) when its workflow and input are the same, and ALREADY_EXISTS
  // when they differ. INVALID_ARGUMENT when the input is larger than the input cap.
  virtual absl::Status CreateExecution(NewExecution execution, Callback<CreatedExecution> done) = 0;

  // Records a node's progress (fenced). Output items beyond the execution's output cap are cut,
  // with output_truncated set on the node and the execution.
  virtual absl::Status RecordNode(const Fence& fence, NodeUpdate update,
                                  DoneCallback done = nullptr) = 0;

  // Appends an event to the execution's log (fenced). A sequence number already stored is
  // ignored (a resumed node may emit again). Past the per-execution event cap, one
  // "events_truncated" event is stored and later ones fail with RESOURCE_EXHAUSTED.
  virtual absl::Status AppendEvent(const Fence& fence, EventRow event,
                                   DoneCallback done = nullptr) = 0;

  // Sets or clears the durable timer of a `wait` node (fenced).
  virtual absl::Status SetTimer(const Fence& fence, TimerRow timer,
                                DoneCallback done = nullptr) = 0;
  virtual absl::Status ClearTimer(const Fence& fence, std::string node,
                                  DoneCallback done = nullptr) = 0;

  // Parks the execution (fenced) as kWaiting until `wake_at`, releasing its lease: it is
  // claimable again, by any replica, once due. The fence is spent.
  virtual absl::Status ParkExecution(const Fence& fence, absl::Time wake_at,
                                     DoneCallback done = nullptr) = 0;

  // Gives the execution up (fenced) without finishing it, e.g. at shutdown: it stays kRunning
  // with an expired lease, so another replica (or this one after a restart) resumes it at once.
  virtual absl::Status ReleaseExecution(const Fence& fence, DoneCallback done = nullptr) = 0;

  // Gives back (fenced) an execution claimed while it was kQueued that this instance could not
  // start after all (no place free): kQueued again, unowned, for any replica to claim as new.
  virtual absl::Status RequeueExecution(const Fence& fence, DoneCallback done = nullptr) = 0;

  // Makes the execution final (fenced) and applies its save policy: with kFailedOnly a
  // successful execution is deleted, with kNone every finished execution is.
  virtual absl::Status FinishExecution(const Fence& fence, ExecutionOutcome outcome,
                                       DoneCallback done = nullptr) = 0;

  // Asks for an execution to be cancelled (anyone may). A queued or waiting execution is
  // cancelled at once; a running one is flagged, and its owner learns it from RenewLeases, and
  // sooner from the cancel listener (SetCancelListener) where the backend can tell other
  // replicas (PostgreSQL: a NOTIFY).
  // Returns the execution's status after the request; NOT_FOUND for an unknown id.
  virtual absl::Status RequestCancel(std::string id, Callback<ExecutionStatus> done) = 0;

  // Claims up to `max` executions for this instance, oldest first: queued ones, waiting ones
  // whose timer is due, and running ones whose lease has expired (their owner died). PostgreSQL
  // uses FOR UPDATE SKIP LOCKED, so replicas claiming at once never get the same execution.
  // SQLite holds one process only, so there every running execution of another owner counts as
  // expired.
  virtual absl::Status ClaimExecutions(int max, Callback<std::vector<Claim>> done) = 0;

  // Extends the leases of executions this instance holds; reports those it lost.
  virtual absl::Status RenewLeases(std::vector<Fence> fences, Callback<RenewResult> done) = 0;

  virtual absl::Status GetExecution(std::string id, GetOptions options,
                                    Callback<ExecutionDetail> done) = 0;
  virtual absl::Status ListExecutions(ListQuery query, Callback<ExecutionPage> done) = 0;

  // The execution's events with sequence >= `first_sequence`, in order, at most `max_events`.
  // NOT_FOUND when the execution does not exist.
  virtual absl::Status ReadEvents(std::string id, int64_t first_sequence, int max_events,
                                  Callback<std::vector<EventRow>> done) = 0;

  // Deletes finished executions older than the retention age, then the oldest finished ones
  // beyond the retention count. Never touches queued, running or waiting executions. The store
  // also prunes by itself every prune interval.
  virtual absl::Status Prune(Callback<PruneResult> done) = 0;

  // Called on the store thread when claimable work may be there: a NOTIFY from another replica
  // (PostgreSQL), a queued execution created here, and every poll interval as the fallback.
  // The listener should call ClaimExecutions. Set it once, before work starts.
  virtual void SetWorkListener(absl::AnyInvocable<void()> listener) = 0;

  // Called on the store thread with an execution's id when RequestCancel was asked for it while
  // it ran, on this or (PostgreSQL, through NOTIFY) another replica: a hint that its owner
  // should cancel it now rather than at its next lease renewal (which stays the fallback, since
  // a notification can be lost). The listener must be quick. Set it once, before work starts.
  virtual void SetCancelListener(absl::AnyInvocable<void(const std::string& id)> listener) = 0;

  // Whether the database is reachable now: OK, or UNAVAILABLE naming what failed. The listener
  // is called on the store thread whenever it changes.
  virtual absl::Status Health() const = 0;
  virtual void SetHealthListener(absl::AnyInvocable<void(const absl::Status&)> listener) = 0;

  virtual StoreStats Stats() const = 0;

  // Route health shared with the other replicas of this store (shared_route_health_store.h); null
  // when the backend serves one process (SQLite), so route health stays in the process. Owned by
  // the store.
  virtual SharedRouteHealthStore* shared_route_health() { return nullptr; }

  // Stops taking operations, finishes (commits or fails) every queued one, runs its callback,
  // and stops the store thread. Idempotent; the destructor calls it. Never from a callback (it
  // waits for the store thread, which runs them).
  virtual void Shutdown() = 0;
};

using ExecutionStorePtr = std::unique_ptr<ExecutionStore>;

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_EXECUTION_STORE_H_
