#include "flowhost/sdk/output_schema.h"

#include "flowhost/sdk/json_schema.h"

namespace flowhost::sdk {
namespace {

Json Properties(const std::vector<std::string>& fields) {
  Json properties = Json::object();
  for (const std::string& field : fields) properties[field] = Json::object();
  return properties;
}

}  // namespace

Json OpenOutputSchema() { return Json{{"type", "object"}}; }

Json ExactOutputSchema(const std::vector<std::string>& fields) {
  return Json{
      {"type", "object"}, {"properties", Properties(fields)}, {"additionalProperties", false}};
}

Json PassThroughOutputSchema(const std::vector<std::string>& added) {
  Json schema{{"type", "object"}, {"x-passthrough", true}};
  if (!added.empty()) schema["properties"] = Properties(added);
  return schema;
}

absl::Status CheckOutputSchema(const Json& schema) {
  if (!schema.is_object()) return absl::InvalidArgumentError("an output schema must be an object");
  if (auto type = schema.find("type"); type != schema.end() && *type != "object") {
    return absl::InvalidArgumentError(
        "an output schema describes items: its type must be \"object\"");
  }
  if (auto passthrough = schema.find("x-passthrough");
      passthrough != schema.end() && !passthrough->is_boolean()) {
    return absl::InvalidArgumentError("'x-passthrough' must be true or false");
  }
  return CheckSchema(schema);
}

}  // namespace flowhost::sdk
