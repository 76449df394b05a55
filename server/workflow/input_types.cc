#include "server/workflow/input_types.h"

#include <cmath>
#include <cstdint>
#include <iterator>
#include <utility>

#include "flowhost/sdk/json_pointer.h"

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
      if (value.is_number() && (!value.is_number_float() || std::isfinite(value.get<double>()))) {
        return value;
      }
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

namespace {

std::string NonFiniteText(double number) {
  if (std::isnan(number)) return "NaN";
  return number > 0 ? "Infinity" : "-Infinity";
}

bool IsNonFinite(const sdk::Json& value) {
  return value.is_number_float() && !std::isfinite(value.get<double>());
}

// The first non-finite number, depth first with children in document order, and its pointer. It
// builds a pointer for every value it passes, so it runs only once HasNonFinite found one.
std::optional<NonFiniteNumber> FirstNonFinite(const sdk::Json& root) {
  std::vector<std::pair<const sdk::Json*, std::string>> pending = {{&root, ""}};
  while (!pending.empty()) {
    auto [value, pointer] = std::move(pending.back());
    pending.pop_back();
    if (IsNonFinite(*value)) return NonFiniteNumber{pointer, NonFiniteText(value->get<double>())};
    if (value->is_array()) {
      for (size_t i = value->size(); i-- > 0;) {
        pending.emplace_back(&(*value)[i], sdk::ChildPointer(pointer, i));
      }
    } else if (value->is_object()) {
      std::vector<std::pair<const sdk::Json*, std::string>> members;
      for (auto it = value->begin(); it != value->end(); ++it) {
        members.emplace_back(&it.value(), sdk::ChildPointer(pointer, it.key()));
      }
      pending.insert(pending.end(), std::make_move_iterator(members.rbegin()),
                     std::make_move_iterator(members.rend()));
    }
  }
  return std::nullopt;
}

// Whether there is one at all, without building pointers: the usual answer is no.
bool HasNonFinite(const sdk::Json& root) {
  std::vector<const sdk::Json*> pending = {&root};
  while (!pending.empty()) {
    const sdk::Json* value = pending.back();
    pending.pop_back();
    if (IsNonFinite(*value)) return true;
    if (value->is_structured()) {
      for (const sdk::Json& child : *value) pending.push_back(&child);
    }
  }
  return false;
}

}  // namespace

std::optional<NonFiniteNumber> FindNonFiniteNumber(const sdk::Json& value) {
  if (!HasNonFinite(value)) return std::nullopt;
  return FirstNonFinite(value);
}

std::string DescribeNonFinite(const NonFiniteNumber& found) {
  return found.text + (found.pointer.empty() ? "" : " at " + found.pointer) +
         " is not a finite number (JSON has no NaN or Infinity)";
}

}  // namespace flowhost::workflow
