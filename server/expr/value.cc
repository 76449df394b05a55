#include "server/expr/value.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace flowhost::expr {

const Json& NullJson() {
  static const Json* const kNull = new Json(nullptr);
  return *kNull;
}

std::string_view TypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
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

bool Truthy(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return false;
    case Json::value_t::boolean:
      return value.get<bool>();
    case Json::value_t::number_integer:
      return value.get<int64_t>() != 0;
    case Json::value_t::number_unsigned:
      return value.get<uint64_t>() != 0;
    case Json::value_t::number_float:
      return value.get<double>() != 0.0;
    case Json::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    default:
      return true;
  }
}

std::string ToJsonText(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

void AppendStringified(std::string& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return;
    case Json::value_t::string:
      out += value.get_ref<const std::string&>();
      return;
    case Json::value_t::number_float: {
      const double d = value.get<double>();
      if (std::trunc(d) == d && std::fabs(d) < 1e18) {
        out += std::to_string(static_cast<int64_t>(d));
        return;
      }
      out += ToJsonText(value);
      return;
    }
    default:
      out += ToJsonText(value);
  }
}

std::string Stringify(const Json& value) {
  std::string out;
  AppendStringified(out, value);
  return out;
}

bool IsNumber(const Json& value) { return value.is_number(); }

std::optional<int64_t> AsInt64(const Json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  return std::nullopt;
}

double AsDouble(const Json& value) {
  if (value.is_number_unsigned()) return static_cast<double>(value.get<uint64_t>());
  if (value.is_number_integer()) return static_cast<double>(value.get<int64_t>());
  if (value.is_number_float()) return value.get<double>();
  return 0;
}

std::optional<Json> FloatResult(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  return Json(value);
}

Json IntegralOrFloat(double value) {
  // 2^63 is exactly representable; anything below it in magnitude converts without overflow.
  if (std::trunc(value) == value && value >= -9223372036854775808.0 &&
      value < 9223372036854775808.0) {
    return Json(static_cast<int64_t>(value));
  }
  return Json(value);
}

namespace {

// Adds to `total` and returns false once it exceeds `cap`.
bool Accumulate(const Json& value, size_t cap, size_t& total) {
  switch (value.type()) {
    case Json::value_t::string:
      total += value.get_ref<const std::string&>().size() + 2;
      break;
    case Json::value_t::array:
      total += 2;
      for (const Json& element : value) {
        total += 1;
        if (total > cap || !Accumulate(element, cap, total)) return false;
      }
      break;
    case Json::value_t::object:
      total += 2;
      for (auto it = value.begin(); it != value.end(); ++it) {
        total += it.key().size() + 4;
        if (total > cap || !Accumulate(it.value(), cap, total)) return false;
      }
      break;
    default:
      total += 8;
  }
  return total <= cap;
}

}  // namespace

size_t ApproxBytes(const Json& value, size_t cap) {
  size_t total = 0;
  if (!Accumulate(value, cap, total)) return cap + 1;
  return total;
}

}  // namespace flowhost::expr
