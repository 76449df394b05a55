// One running execution of a compiled workflow: the graph's state (which inputs each node has
// received, what each node produced), the record, the root cancellation, the deadline timer, and
// the completion.
//
// How it runs: start nodes are ready at once; a node is ready when every connection into it has
// been resolved (its source finished, was skipped, or resolved empty as a branch not taken). A
// ready node that is disabled passes input 0 through; one whose inputs are all empty is skipped;
// any other is posted to the worker pool and run by a NodeInvocation (retries, timeouts). Its
// result is routed to the nodes its outputs feed, and when nothing is running any more the
// execution finishes. A failure under `on_error: stop`, a crossed limit, a cancellation or the
// deadline finishes it at once: the status is decided, the root cancellation source is cancelled,
// so every attempt's token fires, and later node results are ignored. The record is sealed (and
// `done` called) once the node code still running has returned, so that the upstream calls those
// nodes report on their way out (a transfer aborted by the cancellation) are in it; a node that
// does not return within the limits' node_return_grace is left behind, with a warning.
//
// Memory: the items it holds are reserved from its tree's ItemBudget (max_execution_item_bytes,
// itself within max_total_item_bytes): the bound inputs, each node's outputs (measured once, when
// the node returns them) and the copies of them gathered as a node's inputs, which are let go once
// that node has finished. A reservation refused fails the node that asked for it and stops the
// execution; everything still reserved is given back when the execution is destroyed.
//
// Ownership: shared. Every callback that may still arrive (node completions, timers, sub-workflows)
// holds a shared_ptr; cancellation callbacks and the handle hold weak ones.
// Thread-safety: every public method may be called from any thread. State is guarded by one short
// lock that is never held while calling a node, an observer, a scheduler or a cancellation.
#ifndef FLOWHOST_SERVER_EXECUTOR_EXECUTION_H_
#define FLOWHOST_SERVER_EXECUTOR_EXECUTION_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/node_context.h"
#include "server/common/trace_context.h"
#include "server/executor/context_logger.h"
#include "server/executor/cost_budget.h"
#include "server/executor/event_sequencer.h"
#include "server/executor/execution_view.h"
#include "server/executor/executor.h"
#include "server/executor/executor_core.h"
#include "server/executor/item_budget.h"

namespace flowhost::executor {

class Execution : public ExecutionView, public std::enable_shared_from_this<Execution> {
 public:
  struct Setup {
    workflow::WorkflowPtr workflow;
    sdk::Json inputs;  // already bound
    std::string id;
    absl::Time started_at;
    absl::Time deadline;        // already capped by the limit and the parent
    bool arm_deadline = false;  // false when the deadline is the parent's (whose owner has a timer)
    absl::Status deadline_error;  // what the execution fails with when its own deadline passes
    std::optional<ParentLink> parent;
    std::shared_ptr<ExecutionObserver> observer;
    Executor::Done done;
    bool start_on_caller_thread = false;  // see ExecutionRequest
    std::shared_ptr<ItemBudget> items;    // the budget of the tree the execution belongs to
    std::shared_ptr<CostBudget> cost;     // its cost budget (max_cost_usd), or null
    common::TraceContext trace;           // the caller's trace, or a new one
    // ExecutionRequest::reused_outputs.
    std::map<std::string, std::vector<sdk::Items>, std::less<>> reused_outputs;
    // ExecutionRequest::durable_timers and park.
    std::map<std::string, absl::Time, std::less<>> durable_timers;
    std::function<bool(std::string_view node, absl::Time wake_at)> park;
    // ExecutionRequest::before_next_nodes.
    std::function<void(absl::AnyInvocable<void() &&> proceed)> before_next_nodes;
  };

  Execution(std::shared_ptr<ExecutorCore> core, Setup setup);
  ~Execution() override;

  // Hooks cancellation, arms the deadline and schedules the start nodes (the first one inline when
  // the setup says start_on_caller_thread). Call once, right after construction.
  void Begin();

  // Cancels everything the execution started and finishes it with `reason` (CANCELLED when OK).
  void Cancel(absl::Status reason);

  // ---- For the node runs of this execution (NodeInvocation, NodeAttempt). ----

  ExecutorCore& core() const { return *core_; }
  const workflow::CompiledWorkflow& workflow() const { return *workflow_; }
  const sdk::ExecutionInfo& info() const { return info_; }
  const common::TraceContext& trace() const { return trace_; }
  bool finished() const { return finished_flag_.load(std::memory_order_acquire); }
  sdk::Logger& logger() { return logger_; }
  // The item budget of this execution's tree (NodeContext::ReserveItemBytes reserves from it).
  ItemBudget& items() const { return *items_; }
  // The cost budget the execution spends from (NodeContext::ReserveCost), or null without one.
  CostBudget* cost() const { return cost_.get(); }
  // Durable timers (ExecutionRequest::durable_timers, park) for node `node`.
  absl::Time DurableTimer(std::string_view node) const;
  bool Park(std::string_view node, absl::Time wake_at) const;

  // An attempt of node `node` is starting: counts it and tells the observer.
  void AttemptStarted(int node, int attempt);
  // Node code of an attempt of `node` is about to run (Node::Execute) / has returned (its `done`
  // was called or dropped, or its grace ran out). Each NodeEntered is matched by one NodeReturned.
  void NodeEntered(int node);
  void NodeReturned(int node);
  // An upstream call attempt `attempt` of node `node` reported (NodeContext::RecordAttempt);
  // recorded until the record is sealed.
  void RecordCall(int node, int attempt, sdk::AttemptRecord call);
  bool wants_tokens() const;
  void TokenDelta(int node, size_t item_index, std::string_view text, std::string_view kind);
  void TokenDeltaFrom(int node, size_t item_index, std::string_view text, std::string_view kind,
                      const sdk::TokenSource& source);
  void TokensReset(int node, size_t item_index, const sdk::TokenSource& source);

  // NodeContext::RunWorkflow for attempt `attempt` of node `node`: a child execution cancelled
  // with `parent`; its upstream calls are recorded under that attempt.
  void RunSubWorkflow(int node, int attempt, std::string_view workflow, sdk::Json inputs,
                      const sdk::CancellationToken& parent,
                      absl::AnyInvocable<void(absl::StatusOr<sdk::Items>)> done);
  // NodeContext::InvokeNode: runs the attached node `name` on `input` under `parent`.
  void InvokeNode(std::string_view name, sdk::Items input, const sdk::CancellationToken& parent,
                  sdk::NodeDone done);

  // ---- ExecutionView ----
  const sdk::Json& inputs() const override { return inputs_; }
  const sdk::Json& vars() const override { return workflow_->vars; }
  // Built on first use: most workflows never read `$execution`.
  const sdk::Json& execution_json() const override;
  sdk::Json budget_json() const override { return cost_ != nullptr ? cost_->ToJson() : nullptr; }
  const sdk::Json* env(std::string_view name) const override { return core_->env(name); }
  std::shared_ptr<const std::vector<sdk::Items>> NodeOutputs(std::string_view name) const override;
  absl::Time Now() const override { return core_->scheduler().clock().Now(); }
  size_t item_bytes_available() const override { return items_->available(); }
  absl::Status ItemBytesRefusal(size_t bytes) const override { return items_->Refusal(bytes); }

 private:
  using Outputs = std::shared_ptr<const std::vector<sdk::Items>>;

  // One source's contribution to one input port.
  struct Slot {
    Outputs outputs;  // the source's outputs
    int port = 0;     // which of them
    bool filled = false;
    size_t bytes = 0;  // ItemBytes of the items on that port
  };

  struct NodeState {
    int unresolved = 0;                    // connections into the node not yet resolved
    std::vector<std::vector<Slot>> slots;  // per input port, per source (in `sources` order)
    bool is_start = false;
    std::shared_ptr<const std::vector<sdk::Items>> inputs;  // from ready until finished
    size_t input_bytes = 0;                                 // reserved for `inputs`
    Outputs outputs;                                        // once finished
    // The observer was handed `outputs` (on its own thread): see CollectOutputLocked.
    bool outputs_observed = false;
    std::vector<size_t> output_bytes;                       // per output, reserved with `outputs`
    // Given by ExecutionRequest::reused_outputs: the node finishes with these instead of running.
    std::shared_ptr<std::vector<sdk::Items>> reused;
  };

  // Marks `ready` nodes, then everything that becomes ready by resolving disabled and skipped nodes
  // without running them; nodes to run are appended to `to_run`. Returns a crossed limit, if any,
  // naming the node that crossed it in `failed_node`.
  absl::Status ResolveReadyLocked(std::vector<int> ready, std::vector<int>& to_run,
                                  std::string& failed_node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finishes the ready node `node` with its reused outputs; appends the nodes that became ready.
  // Returns a crossed limit.
  absl::Status ReuseLocked(int node, std::vector<int>& ready) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores node `node`'s outputs and resolves its connections; nodes that became ready are
  // appended.
  void RouteLocked(int node, Outputs outputs, std::vector<int>& ready)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The ItemBytes of the items on each input port of node `node`, from what its sources reserved.
  std::vector<size_t> InputBytesLocked(int node) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Copies the items on node `node`'s inputs.
  std::shared_ptr<std::vector<sdk::Items>> GatherInputsLocked(int node)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reserves `bytes` from the item budget for what this execution holds.
  absl::Status HoldBytesLocked(size_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void LetGoBytesLocked(size_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // max_items_per_output for the outputs of `node`.
  absl::Status CheckItemsLocked(int node, const std::vector<sdk::Items>& outputs) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tells the observer node `node` has finished, with `outputs` when it wants them.
  void PublishFinishedLocked(int node, const Outputs& outputs = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Fills record_.output from the workflow's output ports once it succeeded: moves the items
  // where nothing else holds them, copies them where something does.
  void CollectOutputLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void RunNode(int node);
  void NodeFinished(int node, absl::StatusOr<sdk::NodeResult> result);
  // Records an attached node's result; returns a crossed limit (which also finishes the execution).
  absl::Status AttachedFinished(int node, const absl::StatusOr<sdk::NodeResult>& result);
  void PostRuns(const std::vector<int>& nodes);
  // Queues, behind the observer's events, the call to before_next_nodes_ that posts `nodes`.
  void HoldNextRuns(std::vector<int> nodes);

  // Finishes the execution once: its status is decided, everything still running is cancelled,
  // and the record is sealed at once when no node code runs, else once it has returned or the
  // grace has passed.
  void Finish(absl::Status status, std::string failed_node);
  // Makes the record final and posts `done` after every observer event queued so far. Once.
  void Seal();
  // The grace after Finish is over with node code still running: seals without it.
  void GraceElapsed();

  // Shared, so that a node still finishing after the execution (a late timer, a node that ignored
  // cancellation) never reaches a destroyed Executor.
  const std::shared_ptr<ExecutorCore> core_;
  const workflow::WorkflowPtr workflow_;
  const sdk::Json inputs_;
  const sdk::ExecutionInfo info_;
  const common::TraceContext trace_;
  mutable absl::once_flag execution_json_once_;
  mutable sdk::Json execution_json_;  // set once, under execution_json_once_
  const absl::Time deadline_;
  const bool arm_deadline_;
  const absl::Status deadline_error_;
  const std::optional<ParentLink> parent_;
  const std::map<std::string, absl::Time, std::less<>> durable_timers_;
  const std::function<bool(std::string_view node, absl::Time wake_at)> park_;
  const std::function<void(absl::AnyInvocable<void() &&> proceed)> before_next_nodes_;
  const std::shared_ptr<ExecutionObserver> observer_;
  const bool start_on_caller_thread_;
  const std::shared_ptr<ItemBudget> items_;
  const std::shared_ptr<CostBudget> cost_;  // null without max_cost_usd
  const size_t input_bytes_;  // ItemBytes of inputs_
  ContextLogger logger_;
  std::unique_ptr<sdk::CancellationSource> root_;
  sdk::CancellationToken root_token_;
  EventSequencer events_;
  std::atomic<bool> finished_flag_{false};
  std::atomic<uint64_t> next_child_{0};

  mutable absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  int running_ ABSL_GUARDED_BY(mu_) = 0;  // graph nodes posted or running
  std::vector<NodeState> nodes_ ABSL_GUARDED_BY(mu_);
  ExecutionRecord record_ ABSL_GUARDED_BY(mu_);
  Executor::Done done_ ABSL_GUARDED_BY(mu_);
  sdk::TimerId deadline_timer_ ABSL_GUARDED_BY(mu_) = 0;
  size_t held_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // reserved from items_, given back at the end
  // Node code running, per node and in all (NodeEntered minus NodeReturned).
  std::vector<int> live_ ABSL_GUARDED_BY(mu_);
  int live_total_ ABSL_GUARDED_BY(mu_) = 0;
  bool sealed_ ABSL_GUARDED_BY(mu_) = false;
  sdk::TimerId grace_timer_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_EXECUTION_H_
