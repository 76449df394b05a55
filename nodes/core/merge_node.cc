// `merge`: joins the items of several inputs into one list. The executor runs it once every
// connected input has been resolved (a branch not taken resolves empty), so it always sees all of
// them.
//
//   append               input 0's items, then input 1's, ...
//   combine_by_position  item k of every input merged into one object (later inputs win on a
//   clash);
//                        `join` decides the length: inner = the shortest input, left = input 0,
//                        outer = the longest (missing positions contribute nothing)
//   combine_by_field     two inputs; items whose `fields` values are all equal are merged (input
//   1's
//                        fields win on a clash). inner: matched pairs only; left: also input 0's
//                        unmatched items; outer: also input 1's unmatched items, at the end. An
//                        item missing a match field never matches.
#include <map>
#include <memory>
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

constexpr int kMaxInputs = 16;

enum class Join { kInner, kLeft, kOuter };

Join ParseJoin(const std::string& text) {
  if (text == "left") return Join::kLeft;
  if (text == "outer") return Join::kOuter;
  return Join::kInner;
}

// Only objects can be combined; anything else is the caller's mistake.
absl::Status RequireObject(const Json& item, size_t input, size_t index) {
  if (item.is_object()) return absl::OkStatus();
  return InvalidInput(absl::StrCat("input ", input, " item ", index, " is ",
                                   sdk::AsAbsl(sdk::JsonTypeName(item)),
                                   "; only objects can be combined"));
}

// Merges `other` into `into`; fields of `other` win.
absl::Status MergeInto(Json& into, const Json& other, size_t input, size_t index) {
  if (absl::Status status = RequireObject(other, input, index); !status.ok()) return status;
  into.update(other);
  return absl::OkStatus();
}

class MergeNode : public sdk::Node {
 public:
  explicit MergeNode(int inputs) {
    for (int i = 0; i < inputs; ++i) {
      ports_.push_back({absl::StrCat("in", i), absl::StrCat("Input ", i, ".")});
    }
  }

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    absl::StatusOr<Json> params = context.params().ForItem(0);
    if (!params.ok()) return done(params.status());
    std::string mode = StringField(*params, "mode", "append");
    Join join = ParseJoin(StringField(*params, "join", "inner"));
    absl::StatusOr<Items> merged;
    if (mode == "combine_by_position") {
      merged = CombineByPosition(context, join);
    } else if (mode == "combine_by_field") {
      merged = CombineByField(context, *params, join);  // may multiply items: reserves them
    } else {
      merged = Append(context);
    }
    if (!merged.ok()) return done(merged.status());
    done(SingleOutput(*std::move(merged)));
  }

  std::optional<std::vector<sdk::PortInfo>> inputs() const override { return ports_; }

 private:
  absl::StatusOr<Items> Append(const sdk::NodeContext& context) const {
    Items out;
    for (size_t port = 0; port < ports_.size(); ++port) {
      const Items& items = InputItems(context, port);
      out.insert(out.end(), items.begin(), items.end());
    }
    return out;
  }

  absl::StatusOr<Items> CombineByPosition(const sdk::NodeContext& context, Join join) const {
    size_t length = InputItems(context, 0).size();
    for (size_t port = 1; port < ports_.size(); ++port) {
      size_t size = InputItems(context, port).size();
      if (join == Join::kInner) length = std::min(length, size);
      if (join == Join::kOuter) length = std::max(length, size);
    }
    Items out;
    out.reserve(length);
    for (size_t k = 0; k < length; ++k) {
      Json merged = Json::object();
      for (size_t port = 0; port < ports_.size(); ++port) {
        const Items& items = InputItems(context, port);
        if (k >= items.size()) continue;
        if (absl::Status status = MergeInto(merged, items[k], port, k); !status.ok()) return status;
      }
      out.push_back(std::move(merged));
    }
    return out;
  }

  absl::StatusOr<Items> CombineByField(sdk::NodeContext& context, const Json& params,
                                       Join join) const {
    std::vector<std::vector<std::string>> fields;
    if (auto it = params.find("fields"); it != params.end() && it->is_array()) {
      for (const Json& field : *it) {
        if (!field.is_string()) continue;
        absl::StatusOr<std::vector<std::string>> path = SplitPath(field.get<std::string>());
        if (!path.ok()) return AsInvalidInput(path.status());
        fields.push_back(*std::move(path));
      }
    }
    if (fields.empty())
      return InvalidInput("combine_by_field needs at least one field in `fields`");

    // The match key of an item: its field values as one JSON array text; empty when a field is
    // missing (such items never match).
    auto key_of = [&fields](const Json& item) {
      Json key = Json::array();
      for (const auto& path : fields) {
        const Json* value = FindPath(item, path);
        if (value == nullptr || value->is_null()) return std::string();
        key.push_back(*value);
      }
      return key.dump();
    };

    const Items& left = InputItems(context, 0);
    const Items& right = InputItems(context, 1);
    std::map<std::string, std::vector<size_t>> right_by_key;
    for (size_t k = 0; k < right.size(); ++k) {
      std::string key = key_of(right[k]);
      if (!key.empty()) right_by_key[key].push_back(k);
    }
    std::vector<bool> right_matched(right.size(), false);
    Items out;
    for (size_t k = 0; k < left.size(); ++k) {
      if (absl::Status status = RequireObject(left[k], 0, k); !status.ok()) return status;
      std::string key = key_of(left[k]);
      auto match = key.empty() ? right_by_key.end() : right_by_key.find(key);
      if (match == right_by_key.end()) {
        if (join != Join::kInner) out.push_back(left[k]);
        continue;
      }
      for (size_t r : match->second) {
        Json merged = left[k];
        if (absl::Status status = MergeInto(merged, right[r], 1, r); !status.ok()) return status;
        right_matched[r] = true;
        if (absl::Status reserved = ReserveItem(context, merged); !reserved.ok()) return reserved;
        out.push_back(std::move(merged));
      }
    }
    if (join == Join::kOuter) {
      for (size_t r = 0; r < right.size(); ++r) {
        if (!right_matched[r]) out.push_back(right[r]);
      }
    }
    return out;
  }

  std::vector<sdk::PortInfo> ports_;
};

std::unique_ptr<sdk::Node> CreateMergeNode(sdk::NodeConfig& config) {
  const Json& params = config.params();
  bool ok = true;
  for (const char* name : {"inputs", "mode"}) {
    if (config.IsDynamic(absl::StrCat("/", name))) {
      config.Error(absl::StrCat("/", name),
                   absl::StrCat(name, " must be written out, not computed: it shapes the node"));
      ok = false;
    }
  }
  if (!ok) return nullptr;
  int64_t inputs = IntField(params, "inputs", 2);
  std::string mode = StringField(params, "mode", "append");
  if (mode == "combine_by_field") {
    if (inputs != 2) {
      config.Error("/inputs", "combine_by_field joins exactly 2 inputs");
      ok = false;
    }
    auto fields = params.find("fields");
    if (fields == params.end()) {
      config.Error("", "combine_by_field needs `fields`: the field(s) to match items on");
      ok = false;
    } else if (fields->is_array()) {
      for (size_t i = 0; i < fields->size(); ++i) {
        std::string pointer = absl::StrCat("/fields/", i);
        if (!(*fields)[i].is_string() || config.IsDynamic(pointer)) continue;
        if (auto path = SplitPath((*fields)[i].get<std::string>()); !path.ok()) {
          config.Error(pointer, sdk::AsStd(path.status().message()));
          ok = false;
        }
      }
    }
  } else if (params.contains("fields")) {
    config.Warning("/fields", "fields is only used by mode combine_by_field");
  }
  if (!ok) return nullptr;
  return std::make_unique<MergeNode>(static_cast<int>(inputs));
}

}  // namespace

std::shared_ptr<const sdk::NodeType> MergeNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "merge";
  info.description =
      "Joins the items of several inputs, once all connected inputs are resolved: appended, "
      "combined "
      "by position, or combined by matching field values (inner, left or outer join).";
  info.parameter_schema = SchemaFromText(absl::StrCat(R"({
    "type": "object",
    "properties": {
      "inputs": {
        "type": "integer",
        "minimum": 2,
        "maximum": )",
                                                      kMaxInputs, R"(,
        "default": 2,
        "description": "How many inputs the node has (ports in0, in1, ...)."
      },
      "mode": {
        "type": "string",
        "enum": ["append", "combine_by_position", "combine_by_field"],
        "default": "append",
        "description": "append: all items of in0, then in1, ... combine_by_position: item k of every input merged into one. combine_by_field: items of in0 and in1 with equal values in `fields` merged into one."
      },
      "fields": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "minLength": 1},
        "description": "combine_by_field: the field(s) (dotted paths) whose values must all be equal for two items to match."
      },
      "join": {
        "type": "string",
        "enum": ["inner", "left", "outer"],
        "default": "inner",
        "description": "Which items a combine keeps. inner: only complete matches. left: every item of in0, merged where a match exists. outer: every item of every input."
      }
    },
    "additionalProperties": false
  })"));
  info.inputs = {{"in0", "The first input."}, {"in1", "The second input."}};
  info.outputs = {{"main", "The merged items."}};
  info.output_schema = sdk::PassThroughOutputSchema();
  return std::make_shared<SimpleNodeType>(std::move(info), CreateMergeNode);
}

}  // namespace flowhost::nodes::core
