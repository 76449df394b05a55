#include "server/workflow/input_types.h"

#include <cmath>
#include <cstdint>

namespace flowhost::workflow {

std::string_view InputTypeName(InputSpec::Type type) {
  switch (type) {
    case InputSpec::Type::kString:
      return "string";
    case InputSpec::Type::kNumber:
      return "number";
    case InputSpec::Type::kInteger:
      return "integer";
    case InputSpec::Type::kBoolean:
      return "boolean";
    case InputSpec::Type::kObject:
      return "object";
    case InputSpec::Type::kArray:
      return "array";
  }
  return "string";
}

const std::vector<std::string>& InputTypeNames() {
  static const auto* names =
      new std::vector<std::string>{"string", "number", "integer", "boolean", "object", "array"};
  return *names;
}

std::optional<InputSpec::Type> ParseInputType(std::string_view name) {
  for (InputSpec::Type type :
       {InputSpec::Type::kString, InputSpec::Type::kNumber, InputSpec::Type::kInteger,
        InputSpec::Type::kBoolean, InputSpec::Type::kObject, InputSpec::Type::kArray}) {
    if (InputTypeName(type) == name) return type;
  }
  return std::nullopt;
}

std::optional<sdk::Json> ConformInput(const sdk::Json& value, InputSpec::Type type) {
  switch (type) {
    case InputSpec::Type::kString:
      if (value.is_string()) return value;
      break;
    case InputSpec::Type::kNumber:
      if (value.is_number()) return value;
      break;
    case InputSpec::Type::kInteger:
      if (value.is_number_integer()) return value;
      if (value.is_number_float()) {
        double d = value.get<double>();
        // 2^63 is the first double past int64's range.
        if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9223372036854775808.0) {
          return sdk::Json(static_cast<int64_t>(d));
        }
      }
      break;
    case InputSpec::Type::kBoolean:
      if (value.is_boolean()) return value;
      break;
    case InputSpec::Type::kObject:
      if (value.is_object()) return value;
      break;
    case InputSpec::Type::kArray:
      if (value.is_array()) return value;
      break;
  }
  return std::nullopt;
}

}  // namespace flowhost::workflow
