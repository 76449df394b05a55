// sdk::Parameters for one node run: the node's compiled parameter tree evaluated against the run's
// input items and the execution, then checked against the node type's schema, so that a node always
// receives parameters of the types it declared (or an INVALID_ARGUMENT naming the parameter). The
// evaluation stops with RESOURCE_EXHAUSTED ("limit_exceeded") once the values built would take more
// than the execution's item budget has left.
//
// Ownership: borrows the view, the compiled node and the input items; the node run owns all three
// for longer than this object. Thread-safety: const methods are safe from any thread.
#ifndef FLOWHOST_SERVER_EXECUTOR_NODE_PARAMETERS_H_
#define FLOWHOST_SERVER_EXECUTOR_NODE_PARAMETERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/parameters.h"
#include "server/executor/execution_view.h"
#include "server/workflow/workflow.h"

namespace flowhost::executor {

class NodeParameters : public sdk::Parameters {
 public:
  NodeParameters(const ExecutionView& view, const workflow::CompiledNode& node,
                 const std::vector<sdk::Items>& inputs);

  absl::StatusOr<sdk::Json> ForItem(size_t item_index) const override;
  absl::StatusOr<sdk::Json> EvaluateDeferred(std::string_view pointer, size_t item_index,
                                             const sdk::Json& json) const override;

 private:
  const sdk::Items& input0() const;

  const ExecutionView& view_;
  const workflow::CompiledNode& node_;
  const std::vector<sdk::Items>& inputs_;
};

// "rules[0].condition" for the JSON pointer "/rules/0/condition": how messages name a parameter.
std::string ParameterName(std::string_view pointer);

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_NODE_PARAMETERS_H_
