#include "server/expr/operators.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/abbreviate.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::expr {
namespace {

using sdk::AsAbsl;

absl::Status TypeError(BinaryOp op, const Json& a, const Json& b) {
  const auto ta = AsAbsl(TypeName(a));
  const auto tb = AsAbsl(TypeName(b));
  switch (op) {
    case BinaryOp::kAdd:
      return absl::InvalidArgumentError(absl::StrCat("cannot add ", tb, " to ", ta));
    case BinaryOp::kSubtract:
      return absl::InvalidArgumentError(absl::StrCat("cannot subtract ", tb, " from ", ta));
    case BinaryOp::kMultiply:
      return absl::InvalidArgumentError(absl::StrCat("cannot multiply ", ta, " by ", tb));
    case BinaryOp::kDivide:
      return absl::InvalidArgumentError(absl::StrCat("cannot divide ", ta, " by ", tb));
    case BinaryOp::kRemainder:
      return absl::InvalidArgumentError(
          absl::StrCat("cannot take the remainder of ", ta, " divided by ", tb));
    default:
      return absl::InvalidArgumentError(absl::StrCat("cannot compare ", ta, " with ", tb));
  }
}

absl::StatusOr<Json> Finite(double value) {
  if (auto result = FloatResult(value)) return *std::move(result);
  return absl::InvalidArgumentError("the result is not a finite number");
}

}  // namespace

absl::StatusOr<Json> Add(const Json& a, const Json& b, size_t max_bytes) {
  if (a.is_string() || b.is_string()) {
    std::string out = Stringify(a);
    // Stringified non-strings are small or already bounded; check before copying a big string.
    const size_t b_size = b.is_string() ? b.get_ref<const std::string&>().size() : 0;
    if (out.size() + b_size > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the concatenated string would be larger than the limit of ", max_bytes, " bytes"));
    }
    AppendStringified(out, b);
    if (out.size() > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the concatenated string would be larger than the limit of ", max_bytes, " bytes"));
    }
    return Json(std::move(out));
  }
  if (!a.is_number() || !b.is_number()) return TypeError(BinaryOp::kAdd, a, b);
  const auto ia = AsInt64(a);
  const auto ib = AsInt64(b);
  if (ia && ib) {
    int64_t result;
    if (!__builtin_add_overflow(*ia, *ib, &result)) return Json(result);
  }
  return Finite(AsDouble(a) + AsDouble(b));
}

absl::StatusOr<Json> Arithmetic(BinaryOp op, const Json& a, const Json& b) {
  if (!a.is_number() || !b.is_number()) return TypeError(op, a, b);
  const auto ia = AsInt64(a);
  const auto ib = AsInt64(b);
  const double da = AsDouble(a);
  const double db = AsDouble(b);
  if ((op == BinaryOp::kDivide || op == BinaryOp::kRemainder) && db == 0) {
    return absl::InvalidArgumentError("division by zero");
  }
  if (ia && ib) {
    int64_t result;
    switch (op) {
      case BinaryOp::kSubtract:
        if (!__builtin_sub_overflow(*ia, *ib, &result)) return Json(result);
        break;
      case BinaryOp::kMultiply:
        if (!__builtin_mul_overflow(*ia, *ib, &result)) return Json(result);
        break;
      case BinaryOp::kDivide:
        if (*ib == -1 && *ia == std::numeric_limits<int64_t>::min()) break;
        if (*ia % *ib == 0) return Json(*ia / *ib);
        break;
      case BinaryOp::kRemainder:
        if (*ib == -1) return Json(int64_t{0});
        return Json(*ia % *ib);
      default:
        break;
    }
  }
  switch (op) {
    case BinaryOp::kSubtract:
      return Finite(da - db);
    case BinaryOp::kMultiply:
      return Finite(da * db);
    case BinaryOp::kDivide:
      return Finite(da / db);
    case BinaryOp::kRemainder:
      return Finite(std::fmod(da, db));
    default:
      return absl::InternalError("not an arithmetic operator");
  }
}

absl::StatusOr<bool> Compare(BinaryOp op, const Json& a, const Json& b) {
  int order = 0;
  if (a.is_number() && b.is_number()) {
    const auto ia = AsInt64(a);
    const auto ib = AsInt64(b);
    if (ia && ib) {
      order = *ia < *ib ? -1 : (*ia > *ib ? 1 : 0);
    } else {
      const double da = AsDouble(a);
      const double db = AsDouble(b);
      order = da < db ? -1 : (da > db ? 1 : 0);
    }
  } else if (a.is_string() && b.is_string()) {
    const int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    order = c < 0 ? -1 : (c > 0 ? 1 : 0);
  } else {
    return TypeError(op, a, b);
  }
  switch (op) {
    case BinaryOp::kLess:
      return order < 0;
    case BinaryOp::kLessEqual:
      return order <= 0;
    case BinaryOp::kGreater:
      return order > 0;
    case BinaryOp::kGreaterEqual:
      return order >= 0;
    default:
      return absl::InternalError("not a comparison operator");
  }
}

bool Equal(const Json& a, const Json& b) { return a == b; }

absl::StatusOr<Json> Negate(const Json& a) {
  if (auto i = AsInt64(a)) {
    if (*i != std::numeric_limits<int64_t>::min()) return Json(-*i);
  }
  if (!a.is_number()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot negate ", AsAbsl(TypeName(a))));
  }
  return Finite(-AsDouble(a));
}

absl::StatusOr<Json> ToNumber(const Json& a) {
  if (a.is_number()) return a;
  if (a.is_boolean()) return Json(a.get<bool>() ? 1 : 0);
  if (!a.is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot convert ", AsAbsl(TypeName(a)), " to a number"));
  }
  const std::string& s = a.get_ref<const std::string&>();
  size_t begin = s.find_first_not_of(" \t\n\r\f\v");
  size_t end = s.find_last_not_of(" \t\n\r\f\v");
  const std::string text = begin == std::string::npos ? "" : s.substr(begin, end - begin + 1);
  auto fail = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot convert the string \"", AsAbsl(sdk::Abbreviate(text, 40)), "\" to a number"));
  };
  if (text.empty()) return fail();
  // Only decimal notation: no hex, no "inf"/"nan", no trailing garbage.
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
      return fail();
    }
  }
  char* parse_end = nullptr;
  errno = 0;
  const long long as_int = std::strtoll(text.c_str(), &parse_end, 10);
  if (errno == 0 && parse_end == text.c_str() + text.size()) return Json(int64_t{as_int});
  errno = 0;
  const double as_double = std::strtod(text.c_str(), &parse_end);
  if (parse_end != text.c_str() + text.size() || !std::isfinite(as_double)) return fail();
  return Json(as_double);
}

}  // namespace flowhost::expr
