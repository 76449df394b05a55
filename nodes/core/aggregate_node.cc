// `aggregate`: makes one item out of all input items. In `all_items` mode the items go, as an
// array, into the field `destination`; in `fields` mode each listed field (a dotted path) becomes
// an array of that field's values across the items, under the path's last segment. Items missing a
// field are left out of its array unless `keep_missing` is set (then they contribute null).
#include <memory>
#include <optional>
#include <set>
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

class AggregateNode : public sdk::Node {
 public:
  explicit AggregateNode(Json output_schema) : output_schema_(std::move(output_schema)) {}

  std::optional<Json> output_schema() const override { return output_schema_; }

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    absl::StatusOr<Json> params = context.params().ForItem(0);
    if (!params.ok()) return done(params.status());
    absl::StatusOr<Json> item = Aggregate(*params, InputItems(context));
    if (!item.ok()) return done(item.status());
    done(SingleOutput(Items{*std::move(item)}));
  }

 private:
  static absl::StatusOr<Json> Aggregate(const Json& params, const Items& items) {
    Json out = Json::object();
    if (StringField(params, "mode", "all_items") == "all_items") {
      absl::StatusOr<std::vector<std::string>> destination =
          SplitPath(StringField(params, "destination", "items"));
      if (!destination.ok()) return AsInvalidInput(destination.status());
      if (absl::Status s = SetPath(out, *destination, Json(items)); !s.ok()) {
        return AsInvalidInput(s);
      }
      return out;
    }
    bool keep_missing = BoolField(params, "keep_missing", false);
    auto fields = params.find("fields");
    if (fields == params.end() || !fields->is_array() || fields->empty()) {
      return InvalidInput("mode fields needs `fields`: the fields to collect");
    }
    for (const Json& field : *fields) {
      if (!field.is_string()) continue;
      absl::StatusOr<std::vector<std::string>> path = SplitPath(field.get<std::string>());
      if (!path.ok()) return AsInvalidInput(path.status());
      Json values = Json::array();
      for (const Json& item : items) {
        const Json* value = FindPath(item, *path);
        if (value != nullptr && !value->is_null()) {
          values.push_back(*value);
        } else if (keep_missing) {
          values.push_back(nullptr);
        }
      }
      out[path->back()] = std::move(values);
    }
    return out;
  }

  const Json output_schema_;
};

// One item holding `destination` (all_items) or one array per field, named after the path's last
// segment (fields); open when a name is computed.
Json AggregateOutputSchema(sdk::NodeConfig& config) {
  const Json& params = config.params();
  if (config.IsDynamic("/mode")) return sdk::OpenOutputSchema();
  std::vector<std::string> names;
  if (StringField(params, "mode", "all_items") == "all_items") {
    if (config.IsDynamic("/destination")) return sdk::OpenOutputSchema();
    auto path = SplitPath(StringField(params, "destination", "items"));
    if (!path.ok() || path->empty()) return sdk::OpenOutputSchema();
    names.push_back(path->front());
  } else if (auto fields = params.find("fields"); fields != params.end() && fields->is_array()) {
    for (size_t i = 0; i < fields->size(); ++i) {
      if (config.IsDynamic(absl::StrCat("/fields/", i)) || !(*fields)[i].is_string()) {
        return sdk::OpenOutputSchema();
      }
      auto path = SplitPath((*fields)[i].get<std::string>());
      if (!path.ok() || path->empty()) return sdk::OpenOutputSchema();
      names.push_back(path->back());
    }
  }
  return sdk::ExactOutputSchema(names);
}

std::unique_ptr<sdk::Node> CreateAggregateNode(sdk::NodeConfig& config) {
  const Json& params = config.params();
  bool ok = true;
  std::string mode = StringField(params, "mode", "all_items");
  if (mode == "fields") {
    auto fields = params.find("fields");
    if (fields == params.end()) {
      config.Error("", "mode fields needs `fields`: the fields to collect");
      ok = false;
    } else if (fields->is_array()) {
      std::set<std::string> names;
      for (size_t i = 0; i < fields->size(); ++i) {
        std::string pointer = absl::StrCat("/fields/", i);
        if (!(*fields)[i].is_string() || config.IsDynamic(pointer)) continue;
        auto path = SplitPath((*fields)[i].get<std::string>());
        if (!path.ok()) {
          config.Error(pointer, sdk::AsStd(path.status().message()));
          ok = false;
        } else if (!names.insert(path->back()).second) {
          config.Error(pointer, absl::StrCat("two fields would both be collected under '",
                                             path->back(), "'"));
          ok = false;
        }
      }
    }
  } else if (params.contains("fields")) {
    config.Warning("/fields", "fields is only used by mode fields");
  }
  if (auto destination = params.find("destination"); destination != params.end() &&
                                                     destination->is_string() &&
                                                     !config.IsDynamic("/destination")) {
    if (auto path = SplitPath(destination->get<std::string>()); !path.ok()) {
      config.Error("/destination", sdk::AsStd(path.status().message()));
      ok = false;
    }
  }
  if (!ok) return nullptr;
  return std::make_unique<AggregateNode>(AggregateOutputSchema(config));
}

}  // namespace

std::shared_ptr<const sdk::NodeType> AggregateNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "aggregate";
  info.description =
      "Makes one item out of all input items: all items in one array field, or chosen fields "
      "collected into arrays.";
  info.parameter_schema = SchemaFromText(R"({
    "type": "object",
    "properties": {
      "mode": {
        "type": "string",
        "enum": ["all_items", "fields"],
        "default": "all_items",
        "description": "all_items: the output item holds every input item in the array field `destination`. fields: each field in `fields` becomes an array of its values."
      },
      "destination": {
        "type": "string",
        "default": "items",
        "description": "all_items: the field (a dotted path) that receives the array of items."
      },
      "fields": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "minLength": 1, "x-field-path": true},
        "description": "fields: the fields (dotted paths) to collect; each array is named after the path's last segment."
      },
      "keep_missing": {
        "type": "boolean",
        "default": false,
        "description": "fields: put null in an array for an item that lacks the field, so that arrays stay aligned with the items."
      }
    },
    "additionalProperties": false
  })");
  info.inputs = {{"main", "The items to aggregate."}};
  info.outputs = {{"main", "One item."}};
  // Each node's own, from `mode`, `destination` and `fields`.
  info.output_schema = sdk::OpenOutputSchema();
  return std::make_shared<SimpleNodeType>(std::move(info), CreateAggregateNode);
}

}  // namespace flowhost::nodes::core
