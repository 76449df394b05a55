#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

std::string_view JsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "binary";
  }
}

std::string StringField(const Json& object, std::string_view key, std::string_view fallback) {
  auto it = object.find(key);  // end() when `object` is not an object
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
}

bool BoolField(const Json& object, std::string_view key, bool fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

int64_t IntField(const Json& object, std::string_view key, int64_t fallback) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return fallback;
  return it->is_number_integer() ? it->get<int64_t>() : static_cast<int64_t>(it->get<double>());
}

}  // namespace flowhost::sdk
