#include "flowhost/sdk/json.h"

#include <cmath>
#include <cstdint>
#include <limits>

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
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return fallback;
  if (it->is_number_unsigned()) {
    uint64_t value = it->get<uint64_t>();
    return value > static_cast<uint64_t>(kMax) ? kMax : static_cast<int64_t>(value);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  // Converting a double outside int64's range is undefined behaviour: saturate first.
  double value = it->get<double>();
  if (std::isnan(value)) return fallback;
  if (value >= 0x1p63) return kMax;
  if (value < -0x1p63) return kMin;
  return static_cast<int64_t>(value);
}

}  // namespace flowhost::sdk
