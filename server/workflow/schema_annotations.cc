#include "server/workflow/schema_annotations.h"

#include "server/workflow/json_pointer.h"

namespace flowhost::workflow {
namespace {

using sdk::Json;

bool Flag(const Json& schema, const char* keyword) {
  auto it = schema.find(keyword);
  return it != schema.end() && it->is_boolean() && it->get<bool>();
}

void Walk(const Json& value, const Json& schema, const std::string& pointer,
          SchemaAnnotations& out) {
  if (!schema.is_object()) return;
  if (Flag(schema, "x-deferred")) {
    out.deferred.push_back(pointer);
    return;
  }
  if (Flag(schema, "x-node-ref")) out.node_refs.push_back(pointer);
  if (Flag(schema, "x-credential")) out.credentials.push_back(pointer);
  if (Flag(schema, "x-field-path")) {
    if (value.is_string()) out.field_paths.push_back(pointer);
    // On a list: each of its strings is a path.
    for (size_t i = 0; value.is_array() && i < value.size(); ++i) {
      if (value[i].is_string()) out.field_paths.push_back(ChildPointer(pointer, i));
    }
  }
  if (value.is_object()) {
    auto properties = schema.find("properties");
    auto additional = schema.find("additionalProperties");
    for (const auto& [key, child] : value.items()) {
      if (properties != schema.end() && properties->is_object() && properties->contains(key)) {
        Walk(child, (*properties)[key], ChildPointer(pointer, key), out);
      } else if (additional != schema.end() && additional->is_object()) {
        Walk(child, *additional, ChildPointer(pointer, key), out);
      }
    }
  } else if (value.is_array()) {
    auto items = schema.find("items");
    if (items == schema.end()) return;
    for (size_t i = 0; i < value.size(); ++i) {
      Walk(value[i], *items, ChildPointer(pointer, i), out);
    }
  }
}

}  // namespace

SchemaAnnotations FindAnnotations(const Json& params, const Json& schema) {
  SchemaAnnotations out;
  Walk(params, schema, "", out);
  return out;
}

bool HasTemplate(std::string_view text) {
  for (size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", at + 2)) {
    if (at == 0 || text[at - 1] != '\\') return true;
  }
  return false;
}

bool ContainsTemplate(const Json& value) {
  if (value.is_string()) return HasTemplate(value.get_ref<const std::string&>());
  if (value.is_object() || value.is_array()) {
    for (const Json& child : value) {
      if (ContainsTemplate(child)) return true;
    }
  }
  return false;
}

}  // namespace flowhost::workflow
