// Functions over arrays of objects, by a field path instead of a function argument: the language
// has no lambdas and no loops, so what can be done to every element is reading a field (pluck,
// map) and grouping by one (groupBy); sum/avg/min/max take the same path (functions_math.cc).
// Each walks its array once; the values they build are bounded by
// ExpressionLimits::max_value_bytes.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/expr/functions.h"
#include "server/expr/status_macros.h"
#include "server/expr/value.h"

namespace flowhost::expr {
namespace {

// pluck(array, path): the value at `path` in every element, null where it is missing.
absl::StatusOr<Json> Pluck(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(const Json* array, ArrayArg(ctx, args, 0));
  ASSIGN_OR_RETURN(Json steps, PathArg(ctx, args, 1));
  Json out = Json::array();
  size_t bytes = 0;
  for (const Json& element : *array) {
    ASSIGN_OR_RETURN(const Json* found, FindAtPath(ctx, element, steps));
    if (found == nullptr) {
      out.push_back(nullptr);
      continue;
    }
    bytes += ApproxBytes(*found, ctx.limits.max_value_bytes + 1);
    RETURN_IF_ERROR(CheckResultBytes(ctx, bytes));
    out.push_back(*found);
  }
  return out;
}

// groupBy(array, path): {key: [elements...]}, the key being the value at `path` as text (template
// rules: null and missing are ""); each group keeps its elements' order (an object's keys are
// sorted, as everywhere).
absl::StatusOr<Json> GroupBy(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(const Json* array, ArrayArg(ctx, args, 0));
  ASSIGN_OR_RETURN(Json steps, PathArg(ctx, args, 1));
  Json out = Json::object();
  size_t bytes = 0;
  for (const Json& element : *array) {
    ASSIGN_OR_RETURN(const Json* found, FindAtPath(ctx, element, steps));
    std::string key;
    if (found != nullptr) AppendStringified(key, *found);
    bytes += key.size() + ApproxBytes(element, ctx.limits.max_value_bytes + 1);
    RETURN_IF_ERROR(CheckResultBytes(ctx, bytes));
    Json& group = out[key];
    if (group.is_null()) group = Json::array();
    group.push_back(element);
  }
  return out;
}

}  // namespace

const std::vector<Function>& MappingFunctions() {
  static const std::vector<Function>* const kFunctions = new std::vector<Function>{
      {"pluck", 2, 2, Pluck},
      {"map", 2, 2, Pluck},
      {"groupBy", 2, 2, GroupBy},
  };
  return *kFunctions;
}

}  // namespace flowhost::expr
