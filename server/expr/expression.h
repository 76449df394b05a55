// flowhost's expression language: the code between `{{` and `}}` in workflow parameters.
//
// An Expression is parsed once when a workflow loads into an immutable syntax tree and then evaluated per
// item, any number of times, from any thread, without re-parsing. Evaluation is side-effect free and
// bounded: parse depth, source size, and the size of values built while evaluating all have limits, and
// crossing one is an error, never a crash. The language itself is documented in docs/expressions.md.
//
// Errors carry a byte offset into the expression source, so the loader can point at the column.
#ifndef FLOWHOST_SERVER_EXPR_EXPRESSION_H_
#define FLOWHOST_SERVER_EXPR_EXPRESSION_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"
#include "server/expr/eval_scope.h"

namespace flowhost::expr {

struct ExpressionLimits {
  size_t max_source_bytes = 16 * 1024;       // per expression
  int max_depth = 64;                        // nesting of the syntax tree
  size_t max_value_bytes = 8 * 1024 * 1024;  // any string/array/object built while evaluating
};

// A parse error: where (byte offset into the expression source) and what.
struct ParseError {
  size_t offset = 0;
  std::string message;
};

// A name the expression reads, for the validator: `$("Fetch")` is {kNode, "Fetch"}, `$inputs.question`
// is {kInput, "question"}, `$vars.x` is {kVar, "x"}, `$env.HOME` is {kEnv, "HOME"}. A field read from
// an item is {kField, "field"} with `node` naming the node whose item it is: `$json.text`,
// `$json["text"]`, `$input.item.text`, `$input.first().json.text` have an empty `node` (the node's
// own input); `$("Fetch").item.json.text`, `$("Fetch").first().text` have node "Fetch". Only the
// first field counts (`$json.a.b` reads "a"). `offset` points at the reference in the source (for
// kField, at the field's name). Dynamic accesses (`$inputs[k]`, `$json[k]`) produce no reference.
struct Reference {
  enum class Kind { kNode, kInput, kVar, kEnv, kField };
  Kind kind;
  std::string name;
  size_t offset = 0;
  std::string node;  // kField only
};

class Expression {
 public:
  virtual ~Expression() = default;

  // Parses `source` (the text between the braces). On failure returns INVALID_ARGUMENT and, when
  // `error` is given, fills it with the offset and message of the first error.
  static absl::StatusOr<std::unique_ptr<const Expression>> Parse(std::string_view source,
                                                                 const ExpressionLimits& limits,
                                                                 ParseError* error = nullptr);

  // Evaluates against `scope`. Errors (type errors, unknown function arguments, limits) are
  // INVALID_ARGUMENT with a message that names the offending operation and its column
  // ("at column 9: cannot subtract string from number").
  virtual absl::StatusOr<Json> Evaluate(const EvalScope& scope) const = 0;

  virtual const std::vector<Reference>& references() const = 0;
  virtual std::string_view source() const = 0;
};

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_EXPRESSION_H_
