#include "flowhost/sdk/json_schema.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/abbreviate.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/did_you_mean.h"
#include "flowhost/sdk/json_pointer.h"

namespace flowhost::sdk {
namespace {

const std::set<std::string, std::less<>>& KnownKeywords() {
  static const auto* keywords = new std::set<std::string, std::less<>>{
      "type",      "properties", "required",  "additionalProperties", "items",
      "enum",      "default",    "description", "minimum",            "maximum",
      "minItems",  "maxItems",   "minLength", "maxLength",            "title",
      "examples",  "x-deferred", "x-node-ref", "format",              "pattern",
      "$schema",   "const",      "x-credential", "x-passthrough", "x-field-path"};
  return *keywords;
}

const std::set<std::string, std::less<>>& KnownTypes() {
  static const auto* types = new std::set<std::string, std::less<>>{
      "string", "number", "integer", "boolean", "object", "array", "null"};
  return *types;
}

bool MatchesType(const Json& value, std::string_view type) {
  if (type == "string") return value.is_string();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (value.is_number_float()) {
      double d = value.get<double>();
      return d == static_cast<double>(static_cast<int64_t>(d));
    }
    return false;
  }
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "null") return value.is_null();
  return false;
}

std::vector<std::string> TypesOf(const Json& schema) {
  std::vector<std::string> types;
  auto it = schema.find("type");
  if (it == schema.end()) return types;
  if (it->is_string()) {
    types.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const Json& t : *it) {
      if (t.is_string()) types.push_back(t.get<std::string>());
    }
  }
  return types;
}

// A short rendering of a value for messages: strings quoted, long values cut.
std::string Show(const Json& value) { return Abbreviate(value.dump(), 40); }

std::string Describe(const Json& value) {
  if (value.is_object() || value.is_array()) return std::string(JsonTypeName(value));
  return absl::StrCat(AsAbsl(JsonTypeName(value)), " ", Show(value));
}

class Validator {
 public:
  Validator(std::vector<SchemaViolation>& out,
            const std::function<bool(const std::string&)>& skip)
      : out_(out), skip_(skip) {}

  void Check(const Json& value, const Json& schema, const std::string& pointer) {
    if (!schema.is_object()) return;
    if (skip_ && skip_(pointer)) return;

    std::vector<std::string> types = TypesOf(schema);
    if (!types.empty()) {
      bool ok = std::any_of(types.begin(), types.end(),
                            [&](const std::string& t) { return MatchesType(value, t); });
      if (!ok) {
        Add(pointer, absl::StrCat("expected ", absl::StrJoin(types, " or "), ", got ", Describe(value)));
        return;
      }
    }
    if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
      if (std::find(it->begin(), it->end(), value) == it->end()) {
        std::vector<std::string> shown;
        for (const Json& option : *it) shown.push_back(option.is_string() ? option.get<std::string>() : option.dump());
        Add(pointer, absl::StrCat("must be one of: ", absl::StrJoin(shown, ", "), " (got ", Show(value), ")"));
      }
    }
    if (auto it = schema.find("const"); it != schema.end() && *it != value) {
      Add(pointer, absl::StrCat("must be ", Show(*it)));
    }
    if (value.is_number()) CheckNumber(value.get<double>(), schema, pointer);
    if (value.is_string()) {
      size_t length = value.get_ref<const std::string&>().size();
      if (auto it = schema.find("minLength"); it != schema.end() && it->is_number() &&
                                              length < it->get<double>()) {
        Add(pointer, absl::StrCat("must be at least ", it->dump(), " characters long"));
      }
      if (auto it = schema.find("maxLength"); it != schema.end() && it->is_number() &&
                                              length > it->get<double>()) {
        Add(pointer, absl::StrCat("must be at most ", it->dump(), " characters long"));
      }
    }
    if (value.is_array()) CheckArray(value, schema, pointer);
    if (value.is_object()) CheckObject(value, schema, pointer);
  }

 private:
  void Add(const std::string& pointer, std::string message) {
    out_.push_back({pointer, std::move(message)});
  }

  void CheckNumber(double number, const Json& schema, const std::string& pointer) {
    if (auto it = schema.find("minimum"); it != schema.end() && it->is_number() &&
                                          number < it->get<double>()) {
      Add(pointer, absl::StrCat("must be at least ", it->dump()));
    }
    if (auto it = schema.find("maximum"); it != schema.end() && it->is_number() &&
                                          number > it->get<double>()) {
      Add(pointer, absl::StrCat("must be at most ", it->dump()));
    }
  }

  void CheckArray(const Json& value, const Json& schema, const std::string& pointer) {
    if (auto it = schema.find("minItems"); it != schema.end() && it->is_number() &&
                                           value.size() < it->get<double>()) {
      Add(pointer, absl::StrCat("must have at least ", it->dump(), " item(s)"));
    }
    if (auto it = schema.find("maxItems"); it != schema.end() && it->is_number() &&
                                           value.size() > it->get<double>()) {
      Add(pointer, absl::StrCat("must have at most ", it->dump(), " item(s)"));
    }
    if (auto it = schema.find("items"); it != schema.end() && it->is_object()) {
      for (size_t i = 0; i < value.size(); ++i) {
        Check(value[i], *it, ChildPointer(pointer, i));
      }
    }
  }

  void CheckObject(const Json& value, const Json& schema, const std::string& pointer) {
    const Json* properties = nullptr;
    if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) {
      properties = &*it;
    }
    if (auto it = schema.find("required"); it != schema.end() && it->is_array()) {
      for (const Json& name : *it) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          Add(pointer, absl::StrCat("missing required parameter '", name.get<std::string>(), "'"));
        }
      }
    }
    const Json* additional = nullptr;
    bool additional_allowed = true;
    if (auto it = schema.find("additionalProperties"); it != schema.end()) {
      if (it->is_boolean()) {
        additional_allowed = it->get<bool>();
      } else if (it->is_object()) {
        additional = &*it;
      }
    }
    for (const auto& [key, field] : value.items()) {
      std::string child = ChildPointer(pointer, key);
      if (properties != nullptr && properties->contains(key)) {
        Check(field, (*properties)[key], child);
      } else if (additional != nullptr) {
        Check(field, *additional, child);
      } else if (!additional_allowed) {
        std::string hint;
        if (properties != nullptr) hint = ClosestName(key, *properties);
        Add(child, absl::StrCat("unknown parameter '", key, "'",
                                hint.empty() ? "" : absl::StrCat(" (did you mean '", hint, "'?)")));
      }
    }
  }

  static std::string ClosestName(std::string_view key, const Json& properties) {
    std::vector<std::string> names;
    for (const auto& [name, unused] : properties.items()) names.push_back(name);
    return ClosestMatch(key, names);
  }

  std::vector<SchemaViolation>& out_;
  const std::function<bool(const std::string&)>& skip_;
};

absl::Status CheckSchemaAt(const Json& schema, const std::string& where) {
  if (!schema.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": a schema must be an object"));
  for (const auto& [key, value] : schema.items()) {
    if (KnownKeywords().count(key) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unsupported keyword '", key, "'"));
    }
  }
  if (auto it = schema.find("type"); it != schema.end()) {
    std::vector<std::string> types = TypesOf(schema);
    size_t given = it->is_array() ? it->size() : 1;
    if (types.size() != given || types.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": 'type' must be a string or a list of strings"));
    }
    for (const std::string& type : types) {
      if (KnownTypes().count(type) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": unknown type '", type, "'"));
      }
    }
  }
  if (auto it = schema.find("properties"); it != schema.end()) {
    if (!it->is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": 'properties' must be an object"));
    for (const auto& [name, sub] : it->items()) {
      if (absl::Status s = CheckSchemaAt(sub, absl::StrCat(where, ".", name)); !s.ok()) return s;
    }
  }
  if (auto it = schema.find("required"); it != schema.end()) {
    if (!it->is_array() || !std::all_of(it->begin(), it->end(), [](const Json& j) { return j.is_string(); })) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": 'required' must be a list of names"));
    }
  }
  if (auto it = schema.find("items"); it != schema.end()) {
    if (absl::Status s = CheckSchemaAt(*it, absl::StrCat(where, "[]")); !s.ok()) return s;
  }
  if (auto it = schema.find("additionalProperties"); it != schema.end() && !it->is_boolean()) {
    if (absl::Status s = CheckSchemaAt(*it, absl::StrCat(where, ".*")); !s.ok()) return s;
  }
  if (auto it = schema.find("enum"); it != schema.end() && !it->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": 'enum' must be a list"));
  }
  for (const char* keyword : {"minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength"}) {
    if (auto it = schema.find(keyword); it != schema.end() && !it->is_number()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": '", keyword, "' must be a number"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

void ValidateAgainstSchema(const Json& value, const Json& schema, std::vector<SchemaViolation>& out,
                           const std::function<bool(const std::string& pointer)>& skip) {
  Validator(out, skip).Check(value, schema, "");
}

Json ApplySchemaDefaults(const Json& value, const Json& schema) {
  if (!schema.is_object()) return value;
  if (value.is_object()) {
    Json out = value;
    if (auto props = schema.find("properties"); props != schema.end() && props->is_object()) {
      for (const auto& [name, sub] : props->items()) {
        if (out.contains(name)) {
          out[name] = ApplySchemaDefaults(out[name], sub);
        } else if (sub.is_object() && sub.contains("default")) {
          out[name] = ApplySchemaDefaults(sub["default"], sub);
        }
      }
    }
    return out;
  }
  if (value.is_array()) {
    auto items = schema.find("items");
    if (items == schema.end()) return value;
    Json out = Json::array();
    for (const Json& element : value) out.push_back(ApplySchemaDefaults(element, *items));
    return out;
  }
  return value;
}

absl::Status CheckSchema(const Json& schema) { return CheckSchemaAt(schema, "schema"); }

}  // namespace flowhost::sdk
