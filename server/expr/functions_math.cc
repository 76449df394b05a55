// Number functions: round, floor, ceil, abs, min, max, sum, avg (the last four also over a field of
// an array's elements: `sum(items, 'cost')`). Integers stay integers where the
// result is exact; see operators.h for the arithmetic rules.
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/expr/functions.h"
#include "server/expr/operators.h"
#include "server/expr/status_macros.h"

namespace flowhost::expr {
namespace {

using sdk::AsAbsl;

absl::StatusOr<Json> Round(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(double x, NumberArg(ctx, args, 0));
  int64_t digits = 0;
  if (args.size() > 1) {
    ASSIGN_OR_RETURN(digits, IntegerArg(ctx, args, 1));
    if (digits < -15 || digits > 15) {
      return absl::InvalidArgumentError(
          absl::StrCat(AsAbsl(ctx.name), "() expects between -15 and 15 digits, got ", digits));
    }
  }
  if (AsInt64(args[0].get()) && digits >= 0) return args[0].get();
  if (digits == 0) return IntegralOrFloat(std::round(x));
  const double scale = std::pow(10.0, static_cast<double>(digits));
  const double rounded = std::round(x * scale) / scale;
  if (!std::isfinite(rounded)) return Json(x);
  return digits < 0 ? IntegralOrFloat(rounded) : Json(rounded);
}

absl::StatusOr<Json> Floor(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(double x, NumberArg(ctx, args, 0));
  if (AsInt64(args[0].get())) return args[0].get();
  return IntegralOrFloat(std::floor(x));
}

absl::StatusOr<Json> Ceil(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(double x, NumberArg(ctx, args, 0));
  if (AsInt64(args[0].get())) return args[0].get();
  return IntegralOrFloat(std::ceil(x));
}

absl::StatusOr<Json> Abs(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(double x, NumberArg(ctx, args, 0));
  if (auto i = AsInt64(args[0].get()); i && *i != std::numeric_limits<int64_t>::min()) {
    return Json(*i < 0 ? -*i : *i);
  }
  if (args[0]->is_number_unsigned()) return args[0].get();
  return Json(std::fabs(x));
}

// With a path (`sum($('X').all(), 'cost_usd')`): the value at the path in each element of the
// array, skipping elements where it is missing or null.
absl::StatusOr<std::vector<const Json*>> NumbersAtPath(const CallContext& ctx,
                                                       const std::vector<Value>& args) {
  ASSIGN_OR_RETURN(Json steps, PathArg(ctx, args, 1));
  std::vector<const Json*> out;
  for (const Json& element : args[0].get()) {
    ASSIGN_OR_RETURN(const Json* found, FindAtPath(ctx, element, steps));
    if (found == nullptr || found->is_null()) continue;
    if (!found->is_number()) {
      return absl::InvalidArgumentError(
          absl::StrCat(AsAbsl(ctx.name), "() expects numbers at ", args[1]->dump(), ", found ",
                       AsAbsl(TypeName(*found))));
    }
    out.push_back(found);
  }
  return out;
}

// The numbers min/max/sum/avg work on: the elements of a single array argument, the values at a
// path in the elements of an array (array, path), or the arguments.
absl::StatusOr<std::vector<const Json*>> Numbers(const CallContext& ctx,
                                                 const std::vector<Value>& args, bool spread) {
  std::vector<const Json*> out;
  if (args.size() == 2 && args[0]->is_array() && (args[1]->is_string() || args[1]->is_array())) {
    return NumbersAtPath(ctx, args);
  }
  if (!spread && args.size() == 2) {
    if (!args[0]->is_array()) return ArgTypeError(ctx, 0, "an array", args[0].get());
    return ArgTypeError(ctx, 1, "a path string or an array of keys", args[1].get());
  }
  if (args.size() == 1 && args[0]->is_array()) {
    for (const Json& element : args[0].get()) {
      if (!element.is_number()) {
        return absl::InvalidArgumentError(absl::StrCat(
            AsAbsl(ctx.name), "() expects an array of numbers, found ", AsAbsl(TypeName(element))));
      }
      out.push_back(&element);
    }
    return out;
  }
  if (!spread) return ArgTypeError(ctx, 0, "an array of numbers", args[0].get());
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i]->is_number()) return ArgTypeError(ctx, i, "a number", args[i].get());
    out.push_back(&args[i].get());
  }
  return out;
}

absl::StatusOr<Json> Extreme(const CallContext& ctx, std::vector<Value>& args, BinaryOp better) {
  ASSIGN_OR_RETURN(std::vector<const Json*> numbers, Numbers(ctx, args, /*spread=*/true));
  if (numbers.empty()) return Json(nullptr);
  const Json* best = numbers[0];
  for (const Json* n : numbers) {
    ASSIGN_OR_RETURN(bool is_better, Compare(better, *n, *best));
    if (is_better) best = n;
  }
  return *best;
}

absl::StatusOr<Json> Min(const CallContext& ctx, std::vector<Value>& args) {
  return Extreme(ctx, args, BinaryOp::kLess);
}

absl::StatusOr<Json> Max(const CallContext& ctx, std::vector<Value>& args) {
  return Extreme(ctx, args, BinaryOp::kGreater);
}

absl::StatusOr<Json> SumOf(const std::vector<const Json*>& numbers) {
  Json total = int64_t{0};
  for (const Json* n : numbers) {
    ASSIGN_OR_RETURN(total, Add(total, *n, 0));
  }
  return total;
}

absl::StatusOr<Json> Sum(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::vector<const Json*> numbers, Numbers(ctx, args, /*spread=*/false));
  return SumOf(numbers);
}

absl::StatusOr<Json> Avg(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::vector<const Json*> numbers, Numbers(ctx, args, /*spread=*/false));
  if (numbers.empty()) return Json(nullptr);
  ASSIGN_OR_RETURN(Json total, SumOf(numbers));
  return Arithmetic(BinaryOp::kDivide, total, Json(static_cast<int64_t>(numbers.size())));
}

}  // namespace

const std::vector<Function>& MathFunctions() {
  static const std::vector<Function>* const kFunctions = new std::vector<Function>{
      {"round", 1, 2, Round}, {"floor", 1, 1, Floor},     {"ceil", 1, 1, Ceil},
      {"abs", 1, 1, Abs},     {"min", 1, kVariadic, Min}, {"max", 1, kVariadic, Max},
      {"sum", 1, 2, Sum},     {"avg", 1, 2, Avg},
  };
  return *kFunctions;
}

}  // namespace flowhost::expr
