// `if`: sends each item to output `true` or `false` by its `condition`, evaluated per item. The
// condition must evaluate to a boolean (write `{{ $json.name != null }}` rather than relying on
// truthiness), so a mistyped condition is an error naming the parameter, not a silent branch.
#include <memory>
#include <utility>

#include "nodes/core/condition_split_node.h"
#include "flowhost/sdk/output_schema.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/node_support.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {

std::shared_ptr<const sdk::NodeType> IfNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "if";
  info.description =
      "Routes each item to output `true` or `false` by a boolean condition evaluated per item.";
  info.parameter_schema = SchemaFromText(R"({
    "type": "object",
    "properties": {
      "condition": {
        "type": "boolean",
        "description": "Evaluated for every item, usually an expression such as {{ $json.score > 3 }}; must be a boolean."
      }
    },
    "required": ["condition"],
    "additionalProperties": false
  })");
  info.inputs = {{"main", "The items to route."}};
  info.outputs = {{"true", "Items whose condition is true."},
                  {"false", "Items whose condition is false."}};
  info.output_schema = sdk::PassThroughOutputSchema();
  return std::make_shared<SimpleNodeType>(
      std::move(info), [](sdk::NodeConfig&) { return std::make_unique<ConditionSplitNode>(); });
}

}  // namespace flowhost::nodes::core
