// What every execution of one Executor shares: the host's services (with safe stand-ins for the
// optional ones), the limits and the executor-wide item budget, the allowlisted environment as
// JSON, execution ids, the in-flight count, and the way to start an execution, top-level or as a
// sub-workflow of another.
//
// Ownership: created by Executor and shared with every execution it starts, so it lives until the
// last of them is gone (the host's services it points to must outlive that).
// Thread-safety: all methods may be called from any thread.
#ifndef FLOWHOST_SERVER_EXECUTOR_EXECUTOR_CORE_H_
#define FLOWHOST_SERVER_EXECUTOR_EXECUTOR_CORE_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/cancellation.h"
#include "server/executor/cost_budget.h"
#include "server/executor/executor.h"
#include "server/executor/item_budget.h"

namespace flowhost::executor {

// Where a sub-workflow execution hangs in the tree of executions.
struct ParentLink {
  sdk::CancellationToken token;       // the calling node attempt's: cancels the child with it
  int depth = 0;                      // the child's depth (1 for a child of a top-level execution)
  std::vector<std::string> chain;     // workflow names from the top-level execution to the child
  std::shared_ptr<ItemBudget> items;  // the top-level execution's, shared by the whole tree
  std::shared_ptr<CostBudget> cost;   // the parent's cost budget, or null when it has none
};

class ExecutorCore : public std::enable_shared_from_this<ExecutorCore> {
 public:
  ExecutorCore(const HostServices& services, const ExecutionLimits& limits);
  ~ExecutorCore();
  ExecutorCore(const ExecutorCore&) = delete;
  ExecutorCore& operator=(const ExecutorCore&) = delete;

  // Starts an execution; `parent` is null for a top-level one.
  std::shared_ptr<ExecutionHandle> Start(ExecutionRequest request, Executor::Done done,
                                         const ParentLink* parent);

  sdk::Scheduler& scheduler() const { return *services_.scheduler; }
  // The host's client, or one that fails every request with UNAVAILABLE when the host gave none.
  sdk::HttpClient& http() const;
  // May be null: nothing is logged then.
  sdk::Logger* logger() const { return services_.logger; }
  const CredentialStore* credentials() const { return services_.credentials; }
  const WorkflowResolver* workflows() const { return services_.workflows; }
  const ExecutionLimits& limits() const { return limits_; }
  // max_total_item_bytes: every execution tree's budget reserves from it.
  ItemBudget& total_items() { return total_items_; }

  // The allowlisted environment variable `name` as a JSON string, or nullptr.
  const sdk::Json* env(std::string_view name) const;

  // A uniform draw in [0, 1) for retry jitter.
  double UnitRandom() const;

  size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  // Called by an execution once it has finished.
  void ExecutionFinished() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  std::string NewExecutionId();

  const HostServices services_;
  const ExecutionLimits limits_;
  ItemBudget total_items_;
  std::map<std::string, sdk::Json, std::less<>> env_;
  std::unique_ptr<sdk::HttpClient> unavailable_http_;
  std::atomic<size_t> in_flight_{0};
  std::atomic<uint64_t> next_id_{0};
  std::string id_prefix_;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_EXECUTOR_CORE_H_
