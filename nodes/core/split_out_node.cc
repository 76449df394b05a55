// `split_out`: turns an array field into items, one per element. Each output item holds the element
// (under `destination`, or, when no destination is given and the element is an object, the
// element's own fields) plus, by `include`, none, all or selected other fields of the input item.
// An item whose field is missing or null yields no items; a field that is not an array is an error.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/output_schema.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/json_path.h"
#include "nodes/core/node_support.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {
namespace {

class SplitOutNode : public sdk::Node {
 public:
  explicit SplitOutNode(Json output_schema) : output_schema_(std::move(output_schema)) {}

  std::optional<Json> output_schema() const override { return output_schema_; }

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    const Items& input = InputItems(context);
    Items output;
    for (size_t i = 0; i < input.size(); ++i) {
      absl::StatusOr<Json> params = ParamsForItem(context, i);
      if (!params.ok()) return done(params.status());
      absl::Status status = Split(context, *params, input[i], output);
      if (!status.ok()) return done(ItemError(status, i, input.size()));
    }
    done(SingleOutput(std::move(output)));
  }

 private:
  // Appends the items that `item` splits into to `output`, each reserved as it is made: one input
  // item can make many large ones (include: all copies the rest of it into every element's item).
  static absl::Status Split(sdk::NodeContext& context, const Json& params, const Json& item,
                            Items& output) {
    std::string field_text = StringField(params, "field");
    absl::StatusOr<std::vector<std::string>> field = SplitPath(field_text);
    if (!field.ok()) return AsInvalidInput(field.status());
    const Json* array = FindPath(item, *field);
    if (array == nullptr || array->is_null()) return absl::OkStatus();
    if (!array->is_array()) {
      return InvalidInput(absl::StrCat("field '", field_text, "' is ",
                                       sdk::AsAbsl(sdk::JsonTypeName(*array)), ", not an array"));
    }

    // What every output item starts from.
    Json base = Json::object();
    std::string include = StringField(params, "include", "none");
    if (include == "all" && item.is_object()) {
      base = item;
      ErasePath(base, *field);
    } else if (include == "selected") {
      if (auto fields = params.find("include_fields");
          fields != params.end() && fields->is_array()) {
        for (const Json& name : *fields) {
          if (!name.is_string()) continue;
          absl::StatusOr<std::vector<std::string>> path = SplitPath(name.get<std::string>());
          if (!path.ok()) return AsInvalidInput(path.status());
          if (const Json* value = FindPath(item, *path); value != nullptr) {
            if (absl::Status s = SetPath(base, *path, *value); !s.ok()) {
              return AsInvalidInput(s);
            }
          }
        }
      }
    }

    std::string destination = StringField(params, "destination");
    std::vector<std::string> destination_path = {field->back()};
    if (!destination.empty()) {
      absl::StatusOr<std::vector<std::string>> path = SplitPath(destination);
      if (!path.ok()) return AsInvalidInput(path.status());
      destination_path = *std::move(path);
    }
    for (const Json& element : *array) {
      Json out = base;
      if (destination.empty() && element.is_object()) {
        out.update(element);
      } else if (absl::Status s = SetPath(out, destination_path, element); !s.ok()) {
        return AsInvalidInput(s);
      }
      if (absl::Status reserved = ReserveItem(context, out); !reserved.ok()) return reserved;
      output.push_back(std::move(out));
    }
    return absl::OkStatus();
  }

  const Json output_schema_;
};

// Known only with a `destination` (otherwise an object element's own fields become the item): the
// destination plus what `include` keeps.
Json SplitOutOutputSchema(sdk::NodeConfig& config) {
  const Json& params = config.params();
  std::string destination = StringField(params, "destination");
  if (destination.empty() || config.IsDynamic("/destination") || config.IsDynamic("/include") ||
      config.IsDynamic("/include_fields")) {
    return sdk::OpenOutputSchema();
  }
  auto path = SplitPath(destination);
  if (!path.ok() || path->empty()) return sdk::OpenOutputSchema();
  std::vector<std::string> fields = {path->front()};
  std::string include = StringField(params, "include", "none");
  if (include == "all") return sdk::PassThroughOutputSchema(fields);
  if (include == "selected") {
    if (auto kept = params.find("include_fields"); kept != params.end() && kept->is_array()) {
      for (const Json& name : *kept) {
        if (!name.is_string()) continue;
        auto kept_path = SplitPath(name.get<std::string>());
        if (kept_path.ok() && !kept_path->empty()) fields.push_back(kept_path->front());
      }
    }
  }
  return sdk::ExactOutputSchema(fields);
}

std::unique_ptr<sdk::Node> CreateSplitOutNode(sdk::NodeConfig& config) {
  const Json& params = config.params();
  bool ok = true;
  for (const char* name : {"field", "destination"}) {
    std::string pointer = absl::StrCat("/", name);
    auto it = params.find(name);
    if (it == params.end() || !it->is_string() || config.IsDynamic(pointer)) continue;
    if (auto path = SplitPath(it->get<std::string>()); !path.ok()) {
      config.Error(pointer, sdk::AsStd(path.status().message()));
      ok = false;
    }
  }
  if (StringField(params, "include", "none") != "selected" && params.contains("include_fields")) {
    config.Warning("/include_fields", "include_fields is only used with include: selected");
  }
  if (!ok) return nullptr;
  return std::make_unique<SplitOutNode>(SplitOutOutputSchema(config));
}

}  // namespace

std::shared_ptr<const sdk::NodeType> SplitOutNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "split_out";
  info.description =
      "Turns an array field into items, one per element, optionally keeping other fields of the "
      "input item.";
  info.parameter_schema = SchemaFromText(R"({
    "type": "object",
    "properties": {
      "field": {
        "type": "string",
        "minLength": 1,
        "x-field-path": true,
        "description": "The array field (a dotted path) whose elements become items. Items where it is missing or null produce nothing."
      },
      "destination": {
        "type": "string",
        "description": "The field (a dotted path) that receives each element. Default: an object element's own fields become the item; any other element goes under the last segment of `field`."
      },
      "include": {
        "type": "string",
        "enum": ["none", "all", "selected"],
        "default": "none",
        "description": "Which other fields of the input item each output item keeps: none, all (except the split field), or those in include_fields."
      },
      "include_fields": {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "x-field-path": true,
        "description": "With include: selected, the fields (dotted paths) to keep."
      }
    },
    "required": ["field"],
    "additionalProperties": false
  })");
  info.inputs = {{"main", "Items holding the array field."}};
  info.outputs = {{"main", "One item per array element, in order."}};
  // Each node's own, from `destination` and `include`.
  info.output_schema = sdk::OpenOutputSchema();
  return std::make_shared<SimpleNodeType>(std::move(info), CreateSplitOutNode);
}

}  // namespace flowhost::nodes::core
