// One attempt of one node: the NodeContext the node runs with. It owns the attempt's cancellation
// (a child of the invocation's token, with the node's timeout as its deadline, and a timer that
// fires it), the evaluated-parameters view, the node's logger and event sink. Whatever ends the
// attempt first — the node's `done`, the timeout, or the node dropping `done` without calling it —
// wins; the others are ignored. A node that throws from Execute fails the attempt with INTERNAL
// (naming its type and the exception; the record adds the node's name); one whose callback throws
// on a worker and so drops `done` fails it the same way. When it ends, its cancellation fires, so
// leftover work the node started is aborted, and the item bytes the node reserved while it built
// its output are given back (the execution then accounts the output itself); a reservation after
// that is refused. So is the cost it reserved and did not settle (a cost settled after that is
// still charged: the call was made).
//
// A timeout cancels the node and then waits for it to return (its calls, aborted by the
// cancellation, are then in the record before the attempt ends and the next one starts), at most
// the limits' node_return_grace; a node still running then is left behind, and the attempt ends
// with the timeout anyway. The execution is told when the node code enters and returns, so that
// its record waits for the calls of nodes it stopped.
//
// Ownership: shared by the node's `done` callback (which keeps the context alive until it is
// called, as the SDK promises) and the timeout timer. Thread-safety: every NodeContext method may
// be called from any thread.
#ifndef FLOWHOST_SERVER_EXECUTOR_NODE_ATTEMPT_H_
#define FLOWHOST_SERVER_EXECUTOR_NODE_ATTEMPT_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/event_sink.h"
#include "flowhost/sdk/node_context.h"
#include "server/executor/context_logger.h"
#include "server/executor/node_parameters.h"
#include "server/executor/traced_http_client.h"

namespace flowhost::executor {

class Execution;
class NodeInvocation;

class NodeAttempt : public sdk::NodeContext,
                    public sdk::EventSink,
                    public std::enable_shared_from_this<NodeAttempt> {
 public:
  NodeAttempt(std::shared_ptr<NodeInvocation> invocation, std::shared_ptr<Execution> execution,
              int node, int attempt, std::shared_ptr<const std::vector<sdk::Items>> inputs,
              const sdk::CancellationToken& parent);
  ~NodeAttempt() override;

  // Tells the execution, arms the timeout and calls Node::Execute.
  void Run();

  // ---- sdk::NodeContext ----
  const std::string& node_name() const override;
  const sdk::ExecutionInfo& execution() const override;
  int attempt() const override { return attempt_; }
  const std::vector<sdk::Items>& inputs() const override { return *inputs_; }
  const sdk::Parameters& params() const override { return params_; }
  absl::StatusOr<sdk::Credential> credential(std::string_view name) const override;
  sdk::HttpClient& http() override;
  sdk::Scheduler& scheduler() override;
  sdk::Logger& logger() override { return logger_; }
  const sdk::CancellationToken& cancellation() const override { return token_; }
  sdk::EventSink& events() override { return *this; }
  void RecordAttempt(const sdk::AttemptRecord& attempt) override;
  absl::Status ReserveItemBytes(size_t bytes) override;
  std::optional<double> CostRemaining() const override;
  absl::Status ReserveCost(double worst_case_usd) override;
  void SettleCost(double reserved_usd, double actual_usd) override;
  absl::Time durable_timer() const override;
  bool ParkUntil(absl::Time wake_at) override;
  void RunWorkflow(std::string_view workflow, sdk::Json inputs,
                   absl::AnyInvocable<void(absl::StatusOr<sdk::Items>)> done) override;
  void InvokeNode(std::string_view node, sdk::Items input,
                  absl::AnyInvocable<void(absl::StatusOr<sdk::NodeResult>)> done) override;

  // ---- sdk::EventSink ----
  bool wants_tokens() const override;
  void TokenDelta(size_t item_index, std::string_view text, std::string_view kind) override;
  void TokenDeltaFrom(size_t item_index, std::string_view text, std::string_view kind,
                      const sdk::TokenSource& source) override;
  void TokensReset(size_t item_index, const sdk::TokenSource& source) override;

 private:
  friend class AttemptDone;

  void Complete(absl::StatusOr<sdk::NodeResult> result);
  void TimedOut(absl::Duration timeout);
  // The node called its `done` / dropped it uncalled.
  void Returned(absl::StatusOr<sdk::NodeResult> result);
  void Dropped();
  // Execute threw `fault` (contained_task.h's description): the attempt fails with INTERNAL naming
  // the node type, unless it had already ended.
  void Threw(const std::string& fault);
  // Ends the attempt with the dropped-completion error `message`, from the pool.
  void PostDropped(std::string message);
  // Tells the execution the node code has returned (or is left behind); the first call only.
  void Release();
  // The node did not return within the grace after its timeout.
  void AbandonAfterTimeout();

  const std::shared_ptr<NodeInvocation> invocation_;
  const std::shared_ptr<Execution> execution_;
  const int node_;
  const int attempt_;
  const std::shared_ptr<const std::vector<sdk::Items>> inputs_;
  NodeParameters params_;
  const absl::Time parent_deadline_;
  sdk::CancellationSource source_;
  const sdk::CancellationToken token_;
  ContextLogger logger_;
  TracedHttpClient http_;
  std::atomic<bool> completed_{false};
  std::atomic<bool> released_{false};
  absl::Mutex mu_;
  sdk::TimerId timeout_timer_ ABSL_GUARDED_BY(mu_) = 0;
  size_t reserved_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // by ReserveItemBytes, until Complete
  double reserved_cost_ ABSL_GUARDED_BY(mu_) = 0;   // by ReserveCost, not yet settled
  sdk::TimerId grace_timer_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status timed_out_ ABSL_GUARDED_BY(mu_);  // the timeout error, once it struck
  bool executing_ ABSL_GUARDED_BY(mu_) = false;  // Node::Execute has not returned yet
  // Set when `done` was dropped while Execute ran: Run posts it once Execute returns normally.
  std::optional<std::string> dropped_while_executing_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_NODE_ATTEMPT_H_
