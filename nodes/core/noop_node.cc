// `noop`: passes its input items through unchanged. Useful as a named junction in a graph, as a
// placeholder while building a workflow, or as the workflow's output node.
#include <memory>
#include <utility>

#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/output_schema.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/node_support.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {
namespace {

class NoopNode : public sdk::Node {
 public:
  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    done(SingleOutput(InputItems(context)));
  }
};

}  // namespace

std::shared_ptr<const sdk::NodeType> NoopNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "noop";
  info.description = "Passes its input items through unchanged.";
  info.parameter_schema = SchemaFromText(R"({
    "type": "object",
    "properties": {},
    "additionalProperties": false
  })");
  info.inputs = {{"main", "Any items."}};
  info.outputs = {{"main", "The same items, unchanged."}};
  info.output_schema = sdk::PassThroughOutputSchema();
  return std::make_shared<SimpleNodeType>(
      std::move(info), [](sdk::NodeConfig&) { return std::make_unique<NoopNode>(); });
}

}  // namespace flowhost::nodes::core
