// `set`: builds or reshapes items. Each entry of `values` names a field (a dotted path by default)
// and gives its value, usually an expression over the current item. In `merge` mode the fields are
// set on a copy of the input item; in `replace` mode on a new, empty item.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/json_pointer.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/output_schema.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/json_path.h"
#include "nodes/core/node_support.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {
namespace {

class SetNode : public sdk::Node {
 public:
  explicit SetNode(Json output_schema) : output_schema_(std::move(output_schema)) {}

  std::optional<Json> output_schema() const override { return output_schema_; }

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    const Items& input = InputItems(context);
    Items output;
    output.reserve(input.size());
    for (size_t i = 0; i < input.size(); ++i) {
      absl::StatusOr<Json> params = ParamsForItem(context, i);
      if (!params.ok()) return done(params.status());
      absl::StatusOr<Json> item = Apply(*params, input[i]);
      if (!item.ok()) return done(ItemError(item.status(), i, input.size()));
      if (absl::Status reserved = ReserveItem(context, *item); !reserved.ok()) {
        return done(ItemError(reserved, i, input.size()));
      }
      output.push_back(*std::move(item));
    }
    done(SingleOutput(std::move(output)));
  }

 private:
  static absl::StatusOr<Json> Apply(const Json& params, const Json& input) {
    bool replace = StringField(params, "mode", "merge") == "replace";
    bool dotted = BoolField(params, "dot_notation", true);
    Json item = (replace || !input.is_object()) ? Json::object() : input;
    auto values = params.find("values");
    if (values == params.end() || !values->is_object()) return item;
    for (const auto& [key, value] : values->items()) {
      absl::StatusOr<std::vector<std::string>> path = SplitPath(key, dotted);
      if (!path.ok()) return AsInvalidInput(path.status());
      if (absl::Status status = SetPath(item, *path, value); !status.ok()) {
        return AsInvalidInput(status);
      }
    }
    return item;
  }

  const Json output_schema_;
};

// The fields the node sets (the first segment of each path) on the input item, or on a new one in
// replace mode; open when the mode is computed.
Json SetOutputSchema(sdk::NodeConfig& config) {
  const Json& params = config.params();
  if (config.IsDynamic("/mode") || config.IsDynamic("/dot_notation")) {
    return sdk::OpenOutputSchema();
  }
  bool dotted = BoolField(params, "dot_notation", true);
  std::vector<std::string> fields;
  if (auto values = params.find("values"); values != params.end() && values->is_object()) {
    for (const auto& [key, unused] : values->items()) {
      absl::StatusOr<std::vector<std::string>> path = SplitPath(key, dotted);
      if (path.ok() && !path->empty()) fields.push_back(path->front());
    }
  }
  return StringField(params, "mode", "merge") == "replace" ? sdk::ExactOutputSchema(fields)
                                                           : sdk::PassThroughOutputSchema(fields);
}

std::unique_ptr<sdk::Node> CreateSetNode(sdk::NodeConfig& config) {
  const Json& params = config.params();
  bool dotted = BoolField(params, "dot_notation", true);
  bool ok = true;
  if (auto values = params.find("values"); values != params.end() && values->is_object()) {
    for (const auto& [key, unused] : values->items()) {
      if (absl::StatusOr<std::vector<std::string>> path = SplitPath(key, dotted); !path.ok()) {
        config.Error(sdk::ChildPointer("/values", key), sdk::AsStd(path.status().message()));
        ok = false;
      }
    }
  }
  if (!ok) return nullptr;
  return std::make_unique<SetNode>(SetOutputSchema(config));
}

}  // namespace

std::shared_ptr<const sdk::NodeType> SetNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "set";
  info.description =
      "Builds or reshapes items: sets each field in `values` (a value or an expression evaluated "
      "per "
      "item) on a copy of the input item, or on a new item in `replace` mode.";
  info.parameter_schema = SchemaFromText(R"({
    "type": "object",
    "properties": {
      "values": {
        "type": "object",
        "description": "The fields to set. Each key is a field name, or a dotted path such as user.address.city; each value is a value or an expression evaluated for every item.",
        "additionalProperties": {}
      },
      "mode": {
        "type": "string",
        "enum": ["merge", "replace"],
        "default": "merge",
        "description": "merge: start from the input item and set the fields on it. replace: start from an empty item, so the output holds only the fields in values."
      },
      "dot_notation": {
        "type": "boolean",
        "default": true,
        "description": "Treat dots in the keys of values as paths into nested objects. false: set keys that contain dots literally."
      }
    },
    "required": ["values"],
    "additionalProperties": false
  })");
  info.outputs = {{"main", "The reshaped items, one per input item."}};
  info.inputs = {{"main", "The items to reshape."}};
  // Each node's own: the input's fields plus those in `values` (replace mode: only those).
  info.output_schema = sdk::PassThroughOutputSchema();
  return std::make_shared<SimpleNodeType>(std::move(info), CreateSetNode);
}

}  // namespace flowhost::nodes::core
