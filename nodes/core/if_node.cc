// `if`: sends each item to output `true` or `false` by its `condition`, evaluated per item. The
// condition must evaluate to a boolean (write `{{ $json.name != null }}` rather than relying on
// truthiness), so a mistyped condition is an error naming the parameter, not a silent branch.
#include <memory>
#include <utility>

#include "flowhost/sdk/node_context.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/node_support.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {
namespace {

class IfNode : public sdk::Node {
 public:
  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    const Items& input = InputItems(context);
    sdk::NodeResult result;
    result.outputs.resize(2);
    for (size_t i = 0; i < input.size(); ++i) {
      absl::StatusOr<Json> params = ParamsForItem(context, i);
      if (!params.ok()) return done(params.status());
      bool condition = BoolParam(*params, "condition", false);
      result.outputs[condition ? 0 : 1].push_back(input[i]);
    }
    done(std::move(result));
  }
};

}  // namespace

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
  return std::make_shared<SimpleNodeType>(
      std::move(info), [](sdk::NodeConfig&) { return std::make_unique<IfNode>(); });
}

}  // namespace flowhost::nodes::core
