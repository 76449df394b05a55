// `filter`: keeps the items whose `condition` is true (output `kept`); the others go to output
// `discarded`, which is usually left unconnected (its items are then dropped).
#include <memory>
#include <utility>

#include "flowhost/sdk/node_context.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/node_support.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {
namespace {

class FilterNode : public sdk::Node {
 public:
  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    const Items& input = InputItems(context);
    sdk::NodeResult result;
    result.outputs.resize(2);
    for (size_t i = 0; i < input.size(); ++i) {
      absl::StatusOr<Json> params = ParamsForItem(context, i);
      if (!params.ok()) return done(params.status());
      result.outputs[BoolParam(*params, "condition", false) ? 0 : 1].push_back(input[i]);
    }
    done(std::move(result));
  }
};

}  // namespace

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
  return std::make_shared<SimpleNodeType>(
      std::move(info), [](sdk::NodeConfig&) { return std::make_unique<FilterNode>(); });
}

}  // namespace flowhost::nodes::core
