// What one execution shows to the expressions in its nodes' parameters: the bound inputs, the
// workflow's vars, `$execution`, the allowlisted environment, the clock, and the outputs of the
// nodes that have run. Implemented by Execution; read by NodeEvalScope.
//
// Thread-safety: every method may be called from any thread while the execution is alive.
#ifndef FLOWHOST_SERVER_EXECUTOR_EXECUTION_VIEW_H_
#define FLOWHOST_SERVER_EXECUTOR_EXECUTION_VIEW_H_

#include <memory>
#include <string_view>
#include <vector>

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
  // The allowlisted environment variable `name`, or nullptr.
  virtual const sdk::Json* env(std::string_view name) const = 0;
  // Every output of node `name` once it has finished (immutable from then on), else nullptr.
  virtual std::shared_ptr<const std::vector<sdk::Items>> NodeOutputs(
      std::string_view name) const = 0;
  virtual absl::Time Now() const = 0;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_EXECUTION_VIEW_H_
