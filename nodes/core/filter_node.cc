// `filter`: keeps the items whose `condition` is true (output `kept`); the others go to output
// `discarded`, which is usually left unconnected (its items are then dropped).
#include <memory>
#include <utility>

#include "nodes/core/condition_split_node.h"
#include "flowhost/sdk/output_schema.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/node_support.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {

std::shared_ptr<const sdk::NodeType> FilterNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "filter";
  info.description =
      "Keeps the items whose condition is true; the rest go to the `discarded` output.";
  info.parameter_schema = SchemaFromText(R"({
    "type": "object",
    "properties": {
      "condition": {
        "type": "boolean",
        "description": "Evaluated for every item, usually an expression such as {{ $json.price < 100 }}; must be a boolean. Items for which it is true are kept."
      }
    },
    "required": ["condition"],
    "additionalProperties": false
  })");
  info.inputs = {{"main", "The items to filter."}};
  info.outputs = {{"kept", "Items whose condition is true, in input order."},
                  {"discarded", "Items whose condition is false, in input order."}};
  info.output_schema = sdk::PassThroughOutputSchema();
  return std::make_shared<SimpleNodeType>(
      std::move(info), [](sdk::NodeConfig&) { return std::make_unique<ConditionSplitNode>(); });
}

}  // namespace flowhost::nodes::core
