// The function library: every function an expression may call, with its arity.
//
// Calls are resolved when an expression is parsed (an unknown name or a wrong number of arguments
// is a parse error), so evaluation only runs the implementation. A method call `x.f(a)` is the
// function `f(x, a)`; a few JavaScript method names map to library functions (`toLowerCase` is
// `lower`). The tables are immutable; every function is pure and safe to call from any thread.
#ifndef FLOWHOST_SERVER_EXPR_FUNCTIONS_H_
#define FLOWHOST_SERVER_EXPR_FUNCTIONS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/expr/eval_scope.h"
#include "server/expr/expression.h"
#include "server/expr/value.h"

namespace flowhost::expr {

// What an implementation may use besides its arguments.
struct CallContext {
  const EvalScope& scope;
  const ExpressionLimits& limits;
  std::string_view name;  // the function or method as written, for messages
  bool method = false;    // called as x.name(...): argument 0 is the receiver x
};

// Returns the result, or INVALID_ARGUMENT with a message naming the problem (the evaluator adds the
// column). Arguments may be moved from.
using FunctionImpl = absl::StatusOr<Json> (*)(const CallContext& ctx, std::vector<Value>& args);

struct Function {
  std::string_view name;
  int min_args;
  int max_args;  // kVariadic: no upper bound
  FunctionImpl impl;
};
inline constexpr int kVariadic = 1 << 20;

// The library function called as `name(...)` (library names and a few JavaScript spellings such as
// `Math.max`, `JSON.stringify`, `parseInt`), or nullptr.
const Function* FindFunction(std::string_view name);

// The function a method call `x.name(...)` runs, with x as its first argument, or nullptr.
const Function* FindMethod(std::string_view name);

// The closest known function (or method, when `method`) name to a misspelt one, or "".
std::string SuggestFunction(std::string_view name, bool method);

// All library function names, for documentation tests.
std::vector<std::string_view> LibraryFunctionNames();

// ---- Shared by the implementation files (functions_*.cc) ----

// "NAME() MESSAGE": an INVALID_ARGUMENT naming the function.
absl::Status CallError(const CallContext& ctx, std::string_view message);
// "NAME() expects argument N to be WHAT, got TYPE" ("NAME() must be called on WHAT, got TYPE" for
// the receiver of a method call; method arguments are then numbered without it).
absl::Status ArgTypeError(const CallContext& ctx, size_t index, std::string_view what,
                          const Json& got);
// Errors when a built string or value would exceed limits.max_value_bytes.
absl::Status CheckResultBytes(const CallContext& ctx, size_t bytes);

absl::StatusOr<std::string_view> StringArg(const CallContext& ctx, const std::vector<Value>& args,
                                           size_t index);
absl::StatusOr<double> NumberArg(const CallContext& ctx, const std::vector<Value>& args,
                                 size_t index);
// An integer, or a float with an integral value.
absl::StatusOr<int64_t> IntegerArg(const CallContext& ctx, const std::vector<Value>& args,
                                   size_t index);
absl::StatusOr<const Json*> ArrayArg(const CallContext& ctx, const std::vector<Value>& args,
                                     size_t index);
absl::StatusOr<const Json*> ObjectArg(const CallContext& ctx, const std::vector<Value>& args,
                                      size_t index);

// A path argument: "a.b[0].c" (`["a.b"]` quotes a key with dots) or an array of keys and indexes,
// as its steps (a JSON array).
absl::StatusOr<Json> PathArg(const CallContext& ctx, const std::vector<Value>& args, size_t index);
// The value at `steps` inside `value`, or nullptr when a step is missing. INVALID_ARGUMENT for a
// step that is neither a string nor an integer.
absl::StatusOr<const Json*> FindAtPath(const CallContext& ctx, const Json& value,
                                       const Json& steps);

// The function tables of each implementation file.
const std::vector<Function>& TextFunctions();
const std::vector<Function>& MathFunctions();
const std::vector<Function>& CollectionFunctions();
const std::vector<Function>& ConversionFunctions();
const std::vector<Function>& MappingFunctions();

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_FUNCTIONS_H_
