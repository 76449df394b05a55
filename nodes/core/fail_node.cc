// `fail`: stops the flow with an error carrying the workflow author's message (error class
// "failed", code FAILED_PRECONDITION: the input cannot be processed as it is, and retrying will not
// change that). With the node's `on_error` left at `stop` the execution fails with this message.
#include <memory>
#include <string>
#include <utility>

#include "flowhost/sdk/error.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/output_schema.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/node_support.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {
namespace {

class FailNode : public sdk::Node {
 public:
  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    absl::StatusOr<Json> params = context.params().ForItem(0);
    if (!params.ok()) return done(params.status());
    std::string message = StringField(*params, "message", "the workflow failed");
    Json details = nullptr;
    if (auto it = params->find("details"); it != params->end()) details = *it;
    done(sdk::NodeError(absl::StatusCode::kFailedPrecondition, sdk::error_class::kFailed, message,
                        details));
  }
};

}  // namespace

std::shared_ptr<const sdk::NodeType> FailNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "fail";
  info.description = "Stops the flow with an error carrying a message (error class \"failed\").";
  info.parameter_schema = SchemaFromText(R"({
    "type": "object",
    "properties": {
      "message": {
        "type": "string",
        "minLength": 1,
        "description": "The error message; may use expressions (evaluated for the first item)."
      },
      "details": {
        "type": "object",
        "description": "Optional structured details attached to the error, for callers that inspect it."
      }
    },
    "required": ["message"],
    "additionalProperties": false
  })");
  info.inputs = {{"main", "Items that reaching this node means failure."}};
  info.outputs = {{"main",
                   "Never gets items from the node itself; with on_error: continue it carries "
                   "the error items."}};
  // The node itself emits nothing; its error items (on_error) are described by the loader.
  info.output_schema = sdk::ExactOutputSchema({});
  return std::make_shared<SimpleNodeType>(
      std::move(info), [](sdk::NodeConfig&) { return std::make_unique<FailNode>(); });
}

}  // namespace flowhost::nodes::core
