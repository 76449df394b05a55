// The execution history's writer: records the executions this server runs in the execution store
// (server/store/execution_store.h) while they happen: the execution when it starts, each node
// when it starts and when it finishes (state, attempts, timings, item counts, error, totals and
// its output items, under the store's cap), and the outcome at the end (docs/executions.md).
// Beside the rows it appends the execution's events to its log in the store (execution_events.h),
// numbered from 1 in the order they happen, for WatchExecution; it tells the watchers on this
// server when one is committed (ListenForEvents).
//
// Nothing here waits for the store. Every write is queued on it (its own thread commits them in
// batches). A synchronous run (RunWorkflow, StreamWorkflow) starts at once, under an id the
// service chose, while the store is still creating its row: its Recording holds the writes made
// meanwhile and hands them over once the store has answered with the execution's fence. An
// asynchronous start (StartWorkflow) waits for the store's answer first, since that answer is the
// reply (and may name an earlier execution with the same idempotency key).
//
// When the store refuses or fails a write (its queue is full, the database is unreachable), the
// execution runs on unrecorded, and one warning per execution says its history was not recorded.
//
// One ExecutionRecorder per server; one Recording per execution, shared by the execution (as its
// observer and in its completion) and by the store's callbacks.
//
// Ownership: the recorder borrows the store, logger and scrubber, which must outlive it and every
// Recording. Thread-safety: every method may be called from any thread.
#ifndef FLOWHOST_SERVER_SERVICE_EXECUTION_RECORDER_H_
#define FLOWHOST_SERVER_SERVICE_EXECUTION_RECORDER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/logger.h"
#include "flowhost/sdk/scheduler.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "server/common/secret_scrubber.h"
#include "server/executor/executor.h"
#include "server/service/execution_events.h"
#include "server/store/execution_store.h"

namespace flowhost::service {

class ExecutionRecorder;

// One execution's record in the making. It is the execution's observer (wrapping the caller's
// own, e.g. StreamWorkflow's, to which it forwards every event), and its completion calls Finish.
class Recording : public executor::ExecutionObserver,
                  public std::enable_shared_from_this<Recording> {
 public:
  // `write_reused`: whether nodes the executor did not run (NodeRecord::reused) are written. A
  // retry writes them (the new execution's history is then whole); a resumed execution does not
  // (their rows are already there, as the nodes' runs left them).
  // `last_event_sequence`: the last sequence number already in the execution's event log (a
  // resumed execution continues it); 0 for a new execution.
  Recording(ExecutionRecorder& recorder, std::string id, workflow::WorkflowPtr workflow,
            std::shared_ptr<executor::ExecutionObserver> inner, store::SavePolicy save_policy,
            bool write_reused = true, int64_t last_event_sequence = 0);
  ~Recording() override;

  const std::string& id() const { return id_; }
  // The fence the writes carry once the store has created or claimed the execution.
  std::optional<store::Fence> fence() const;

  // The store's answer to CreateExecution: from then on writes go straight to the store (the ones
  // held meanwhile first). An error, or a creation that returned another execution, ends the
  // recording: nothing more is written, and the warning is logged.
  void Created(absl::StatusOr<store::CreatedExecution> created);

  // Logs the execution_started event (a new execution, or a resumed one whose log is empty).
  void LogStarted(absl::Time started);

  // For a synchronous run, before its first event: its events are held and written as one row
  // (an event batch, execution_events.h) when it ends, not one row each as they happen, unless a
  // watcher on this server listens meanwhile (StopBatchingEvents).
  void BatchEvents();
  // A watcher listens: writes the held events now, and every later one as it happens.
  void StopBatchingEvents();

  // The execution's handle, once the executor has started it (for CancelExecution).
  void Attach(std::shared_ptr<executor::ExecutionHandle> handle);
  // Cancels the execution with `reason`, now or as soon as it is attached (a park in progress
  // is called off: the execution ends). False once finished.
  bool Cancel(absl::Status reason);

  // Parks the execution on node `node`'s durable timer (ExecutionRequest::park): records the
  // timer, then cancels the execution from `scheduler` (never on the node's thread); Finish then
  // parks it in the store (ExecutionStore::ParkExecution: waiting, no owner, claimable once due)
  // instead of finishing it. False, and nothing done, when the execution is not recorded (its
  // fence is not known, or its recording failed) or is finishing.
  bool Park(std::string_view node, absl::Time wake_at, sdk::Scheduler& scheduler);

  // Marks an execution no caller waits for (StartWorkflow, RetryExecution, a queued, resumed or
  // parked one); call it before the execution starts. Its nodes start only once the results of
  // the ones before are committed (AfterResultsCommitted), and a shutdown may release it (Release)
  // rather than end it.
  void RunInBackground() { background_ = true; }

  // For a background execution (ExecutionRequest::before_next_nodes): runs `proceed` once every
  // node result recorded so far is committed, at once when it is (or when nothing is recorded
  // any more); else on the store's thread when the last of them commits (failed writes count:
  // the execution runs on unrecorded).
  void AfterResultsCommitted(absl::AnyInvocable<void() &&> proceed);

  // For a shutdown whose grace period is over: stops a background execution whose workflow's
  // restart_policy is `resume` with `reason` (a cancellation) and, instead of finishing it,
  // gives it up in the store (ExecutionStore::ReleaseExecution: running, no owner, its lease
  // over), so that the next server to claim work, another replica or this one restarted, resumes
  // it from its last finished node. Its log gets no execution_finished. False, and nothing done,
  // for any other execution (synchronous, restart_policy `fail`, not recorded, parking, being
  // cancelled or finishing): the shutdown cancels those.
  bool Release(absl::Status reason);

  // How an execution's run on this server ended, as Finish recorded it.
  enum class Ending {
    kFinished,  // its outcome is recorded: succeeded, failed or cancelled
    kParked,    // it waits on a durable timer (Park): `waiting`, continued when due
    kReleased,  // given up at shutdown (Release): resumed by the next server
  };
  // From the execution's completion, before the caller's: records the outcome.
  Ending Finish(const executor::ExecutionRecord& record);

  // ---- ExecutionObserver ----
  void OnNodeStarted(std::string_view node, int attempt) override;
  bool wants_outputs() const override { return true; }
  void OnNodeResult(const executor::NodeRecord& record, executor::NodeOutputs outputs) override;
  bool wants_tokens() const override { return inner_ != nullptr && inner_->wants_tokens(); }
  void OnTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                    std::string_view kind) override;
  void OnTokenDeltaFrom(std::string_view node, size_t item_index, std::string_view text,
                        std::string_view kind, const sdk::TokenSource& source) override;
  void OnTokensReset(std::string_view node, size_t item_index,
                     const sdk::TokenSource& source) override;

 private:
  using Write = absl::AnyInvocable<absl::Status(store::ExecutionStore&, const store::Fence&) &&>;

  // Stops the execution in memory with `reason` (Cancel, or a park).
  bool Stop(absl::Status reason);
  // Queues `write` on the store, or holds it until the fence is known; dropped once the
  // recording has failed.
  void Submit(Write write);
  void SubmitLocked(Write write) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends an event (`payload`: a serialised StreamWorkflowResponse; `kind`: its field's name)
  // to the execution's log under the next sequence number (or holds it, while batching).
  // `output_in_row`: an execution_finished without its items (kFinishedOutputInRowKind).
  void Log(std::string_view kind, std::string payload, bool output_in_row = false);
  // The node ports the execution's output is made of, when the store holds all their items
  // (each such node's result was recorded with its outputs here): then the stored execution keeps
  // a reference to them (ExecutionOutcome::output_from) rather than a copy. Nullopt otherwise.
  std::optional<std::vector<std::pair<std::string, int>>> OutputFromNodes(
      const executor::ExecutionRecord& record) const;
  // Queues `row` on the store, with a wake-up for this server's watchers when they listen.
  void SubmitEventLocked(store::EventRow row) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes the held events as one batch row.
  void FlushEventsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Store thread: node result `number` (and every one before it) is committed, or failed.
  void NodeResultDone(int64_t number);
  // Ends the recording after `error` (once): logs that the history was not recorded.
  void FailLocked(const absl::Status& error) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string TypeOf(std::string_view node) const;

  ExecutionRecorder& recorder_;
  const std::string id_;
  const workflow::WorkflowPtr workflow_;
  const std::shared_ptr<executor::ExecutionObserver> inner_;
  const store::SavePolicy save_policy_;
  const bool write_reused_;

  mutable absl::Mutex mu_;
  std::optional<store::Fence> fence_ ABSL_GUARDED_BY(mu_);
  std::vector<Write> held_ ABSL_GUARDED_BY(mu_);  // writes made before the fence was known
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<executor::ExecutionHandle> handle_ ABSL_GUARDED_BY(mu_);
  absl::Status pending_cancel_ ABSL_GUARDED_BY(mu_);  // asked for before Attach
  // The nodes whose results were recorded with their output items.
  absl::flat_hash_set<std::string> outputs_recorded_ ABSL_GUARDED_BY(mu_);
  // The summaries of the nodes whose results were logged, serialised, by node: Finish reuses
  // them in the execution_finished event.
  absl::flat_hash_map<std::string, LoggedNodeSummary> logged_summaries_ ABSL_GUARDED_BY(mu_);
  // When each node's first attempt started (the store keeps one row per node).
  absl::flat_hash_map<std::string, absl::Time> node_started_ ABSL_GUARDED_BY(mu_);
  // The next event's sequence number. Past store.max_events_per_execution the store refuses
  // events (it keeps an events_truncated marker); the rows are written on regardless.
  int64_t next_sequence_ ABSL_GUARDED_BY(mu_);
  // BatchEvents: the events held (serialised), numbered from batched_first_.
  bool batch_events_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<HeldEvent> batched_ ABSL_GUARDED_BY(mu_);
  int64_t batched_first_ ABSL_GUARDED_BY(mu_) = 0;
  // Set by Park: the earliest wake-up time asked for.
  std::optional<absl::Time> park_at_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;  // Cancel was called: nothing parks any more
  bool released_ ABSL_GUARDED_BY(mu_) = false;   // Release was called: Finish gives it up
  // RunInBackground: node results are numbered from 1 as they are submitted, and the nodes after
  // them wait (AfterResultsCommitted) until the store has answered for the number they follow.
  bool background_ = false;  // set before the execution starts
  int64_t node_results_submitted_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t node_results_done_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::pair<int64_t, absl::AnyInvocable<void() &&>>> waiting_for_commit_
      ABSL_GUARDED_BY(mu_);
};

class ExecutionRecorder {
 public:
  // `default_save` is the store's (store.save), which applies to workflows that set none.
  ExecutionRecorder(store::ExecutionStore& store, store::SavePolicy default_save,
                    sdk::Logger& logger, const common::SecretScrubber& scrubber);

  store::ExecutionStore& store() { return store_; }

  // Starts recording a synchronous run of `request` (its id names the stored execution) and makes
  // the Recording its observer, wrapping the one it had. Returns null, leaving the request as it
  // was, when nothing is to be recorded: the workflow's save policy is `none` (a synchronous run
  // cannot be resumed, so a record deleted at its end is not written at all), or the store refused
  // the creation (logged).
  std::shared_ptr<Recording> RecordRun(executor::ExecutionRequest& request);

  // What StartWorkflow gets from the store: the execution, and for a new one the Recording to run
  // it under (already fenced; not yet its request's observer: see Observe).
  struct AsyncStart {
    store::CreatedExecution created;
    std::shared_ptr<Recording> recording;  // null when created.created is false
  };
  using AsyncStartDone = absl::AnyInvocable<void(absl::StatusOr<AsyncStart>) &&>;

  // Records a new execution of `request` for StartWorkflow (with `idempotency_key`, which may be
  // empty), to run on this server. `done` runs on the store's thread once the store has answered;
  // an error return means nothing was queued and `done` never runs.
  absl::Status CreateForStart(const executor::ExecutionRequest& request,
                              std::string idempotency_key, AsyncStartDone done);
  // Records a new execution of `request` for StartWorkflow as queued (not claimed): the server
  // has no place for it now, so any replica (this one included) claims it when it has one
  // (ExecutionResumer). `done` runs on the store's thread with the store's answer (an existing
  // execution when the idempotency key names one); an error return means nothing was queued.
  absl::Status CreateQueued(const executor::ExecutionRequest& request,
                            std::string idempotency_key,
                            store::Callback<store::CreatedExecution> done);
  // The same for RetryExecution: a new execution linked to `retry_of`.
  absl::Status CreateForRetry(const executor::ExecutionRequest& request, std::string retry_of,
                              AsyncStartDone done);
  // A retry the server has no place for now, queued like CreateQueued's executions. The nodes it
  // reuses (request.reused_outputs, their rows in `reused` as the original recorded them) are
  // written into it first, as not run (0 attempts), so whichever replica claims it resumes after
  // them (ExecutionResumer) as it resumes any execution. Made claimed by this server, given its
  // rows, then released as queued, so no replica claims it half written. `done` runs on the
  // store's thread with the queued execution; an error return means nothing was queued.
  absl::Status CreateQueuedRetry(const executor::ExecutionRequest& request, std::string retry_of,
                                 std::vector<store::NodeRow> reused,
                                 store::Callback<store::CreatedExecution> done);

  // The Recording of an execution this server has claimed (ExecutionStore::ClaimExecutions) to
  // resume it: writes carry `fence`; nodes the executor reuses are not written again.
  // Its events continue the log after `last_event_sequence` (store::Claim).
  std::shared_ptr<Recording> RecordResumed(const store::Fence& fence,
                                           workflow::WorkflowPtr workflow,
                                           store::SavePolicy save_policy,
                                           int64_t last_event_sequence);

  // Releases every background execution running here that can be resumed elsewhere
  // (Recording::Release, with `reason`), for a shutdown whose grace period is over. Returns how
  // many it released; the shutdown cancels the rest.
  size_t ReleaseBackground(const absl::Status& reason);

  // The fences of the executions this server is running and recording, for RenewLeases.
  std::vector<store::Fence> RunningFences() const;

  // Makes `recording` the observer of `request` (wrapping none: an async start has no caller
  // watching).
  static void Observe(const std::shared_ptr<Recording>& recording,
                      executor::ExecutionRequest& request);

  // The Recording of an execution running on this server, or null.
  std::shared_ptr<Recording> FindRunning(const std::string& id) const;

  // Calls `parked` (on the store's thread, quickly) with the wake-up time of each execution
  // this server has parked, once the store has committed it: the resumer arms a timer for it.
  // Set once.
  void SetParkListener(absl::AnyInvocable<void(absl::Time)> parked);

  // Calls `wake` (on the store's thread, quickly) after each event of execution `id` that this
  // server's recording commits to the log, until StopListening with the returned token. For
  // WatchExecution: a watcher listens before it reads, so that no event slips between the two.
  using ListenerToken = uint64_t;
  ListenerToken ListenForEvents(const std::string& id, absl::AnyInvocable<void()> wake);
  void StopListening(ListenerToken token);

  // The save policy `workflow` asks for (its history.save, else the default).
  store::SavePolicy SavePolicyFor(const workflow::CompiledWorkflow& workflow) const;

 private:
  friend class Recording;

  store::NewExecution NewExecutionFor(const executor::ExecutionRequest& request,
                                      store::SavePolicy save_policy) const;
  absl::Status CreateAsync(store::NewExecution execution, workflow::WorkflowPtr workflow,
                           store::SavePolicy save_policy, AsyncStartDone done);
  // The recordings of the executions running here (taken out of the lock).
  std::vector<std::shared_ptr<Recording>> Running() const;
  void Register(const std::shared_ptr<Recording>& recording);
  void Unregister(const std::string& id);
  // Tells the park listener (SetParkListener).
  void Parked(absl::Time wake_at);
  // Whether any watcher listens (then appended events get a callback that wakes it).
  bool listened() const { return listener_count_.load(std::memory_order_acquire) > 0; }
  // Wakes the listeners of execution `id` (an event of its was committed).
  void EventsCommitted(const std::string& id);
  // One warning: the history of execution `id` was not (fully) recorded, and why.
  void LogNotRecorded(const std::string& id, const absl::Status& error) const;

  store::ExecutionStore& store_;
  const store::SavePolicy default_save_;
  sdk::Logger& logger_;
  const common::SecretScrubber& scrubber_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::weak_ptr<Recording>> running_ ABSL_GUARDED_BY(mu_);

  struct Listener {
    std::string id;
    std::shared_ptr<absl::AnyInvocable<void()>> wake;
  };
  mutable absl::Mutex listeners_mu_;
  absl::flat_hash_map<ListenerToken, Listener> listeners_ ABSL_GUARDED_BY(listeners_mu_);
  absl::flat_hash_map<std::string, int> listened_ids_ ABSL_GUARDED_BY(listeners_mu_);
  ListenerToken next_token_ ABSL_GUARDED_BY(listeners_mu_) = 1;
  // Whether anyone listens at all: spares the store a callback per event when nobody watches.
  std::atomic<int> listener_count_{0};
  std::shared_ptr<absl::AnyInvocable<void(absl::Time)>> park_listener_
      ABSL_GUARDED_BY(listeners_mu_);
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_EXECUTION_RECORDER_H_
