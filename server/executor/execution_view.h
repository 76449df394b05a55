// What one execution shows to the expressions in its nodes' parameters: the bound inputs, the
// workflow's vars, `$execution`, the allowlisted environment, the clock, and the outputs of the
// nodes that have run. Implemented by Execution; read by NodeEvalScope.
//
// Thread-safety: every method may be called from any thread while the execution is alive.
#ifndef FLOWHOST_SERVER_EXECUTOR_EXECUTION_VIEW_H_
#define FLOWHOST_SERVER_EXECUTOR_EXECUTION_VIEW_H_

#include <cstddef>
#include <limits>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"

namespace flowhost::executor {

class ExecutionView {
 public:
  virtual ~ExecutionView() = default;

  virtual const sdk::Json& inputs() const = 0;
  virtual const sdk::Json& vars() const = 0;
  // {"id", "workflow", "started_at"} (RFC 3339).
  virtual const sdk::Json& execution_json() const = 0;
  // `$budget`: the tree's cost budget as it is now (CostBudget::ToJson), or null without one.
  virtual sdk::Json budget_json() const { return nullptr; }
  // The allowlisted environment variable `name`, or nullptr.
  virtual const sdk::Json* env(std::string_view name) const = 0;
  // Every output of node `name` once it has finished (immutable from then on), else nullptr.
  virtual std::shared_ptr<const std::vector<sdk::Items>> NodeOutputs(
      std::string_view name) const = 0;
  virtual absl::Time Now() const = 0;
  // The bytes of items the execution may still come to hold (its budget's and the executor's):
  // evaluating a node's parameters may not build more. Unbounded unless overridden.
  virtual size_t item_bytes_available() const { return std::numeric_limits<size_t>::max(); }
  // Why `bytes` more would not fit: RESOURCE_EXHAUSTED naming the limit (OK when they would).
  virtual absl::Status ItemBytesRefusal(size_t bytes) const { return absl::OkStatus(); }
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_EXECUTION_VIEW_H_
