#include "nodes/core/condition_split_node.h"

#include <utility>

#include "flowhost/sdk/node_context.h"
#include "nodes/core/node_support.h"

namespace flowhost::nodes::core {

void ConditionSplitNode::Execute(sdk::NodeContext& context, sdk::NodeDone done) const {
  const Items& input = InputItems(context);
  sdk::NodeResult result;
  result.outputs.resize(2);
  for (size_t i = 0; i < input.size(); ++i) {
    absl::StatusOr<Json> params = ParamsForItem(context, i);
    if (!params.ok()) return done(params.status());
    result.outputs[BoolField(*params, "condition", false) ? 0 : 1].push_back(input[i]);
  }
  done(std::move(result));
}

}  // namespace flowhost::nodes::core
