// Parameters with expressions in them.
//
// A Template is one string parameter: literal text with `{{ expression }}` parts. When the whole string
// is a single expression (surrounding whitespace allowed) its value keeps its JSON type ("{{ 1 + 1 }}" is
// the number 2); otherwise the parts are converted to text and concatenated. `\{{` is a literal "{{".
//
// A CompiledJson is a whole parameter tree (the `params` of a node) with every string leaf compiled as a
// Template; evaluating it rebuilds the tree with the values in place. Leaves whose JSON pointer is marked
// deferred (or that sit inside a deferred array or object) are kept as their source text and can be
// evaluated on their own later. Pointers are RFC 6901 ("/a~1b/0" is key "a/b", element 0).
//
// Both are immutable after compilation and safe to evaluate from many threads at once.
#ifndef FLOWHOST_SERVER_EXPR_TEMPLATE_H_
#define FLOWHOST_SERVER_EXPR_TEMPLATE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"
#include "server/expr/eval_scope.h"
#include "server/expr/expression.h"

namespace flowhost::expr {

// A compile problem inside a parameter tree: the JSON pointer of the string, the byte offset inside that
// string (pointing into the expression, not just at its `{{`), and the message.
struct TemplateError {
  std::string pointer;
  size_t offset = 0;
  std::string message;
};

class Template {
 public:
  // Compiles `text`. Appends every error found to `errors` (with `pointer` copied into each) and returns
  // nullptr if there was any.
  static std::unique_ptr<const Template> Compile(std::string_view text, const ExpressionLimits& limits,
                                                 std::string_view pointer,
                                                 std::vector<TemplateError>& errors);

  virtual ~Template() = default;

  // True when the text has no expression (evaluates to itself).
  virtual bool is_literal() const = 0;
  virtual absl::StatusOr<Json> Evaluate(const EvalScope& scope) const = 0;
  // References of all expressions in the text, offsets relative to the start of the text.
  virtual const std::vector<Reference>& references() const = 0;
  virtual std::string_view text() const = 0;
};

// A reference found in a CompiledJson: the pointer of its string and the Reference itself.
struct LocatedReference {
  std::string pointer;
  Reference reference;
};

class CompiledJson {
 public:
  using DeferredPredicate = std::function<bool(const std::string& pointer)>;

  // Compiles every string leaf of `value`, deferred ones included, so that every syntax error is
  // reported at load. `deferred(pointer)` (optional) is asked for every value, containers included,
  // and marks those to keep as text.
  // Returns nullptr if any template failed (errors appended).
  static std::unique_ptr<const CompiledJson> Compile(const Json& value, const ExpressionLimits& limits,
                                                     const DeferredPredicate& deferred,
                                                     std::vector<TemplateError>& errors);

  virtual ~CompiledJson() = default;

  // True when no leaf (deferred ones aside) has an expression: Evaluate then returns raw() unchanged.
  virtual bool is_static() const = 0;
  // The tree as written.
  virtual const Json& raw() const = 0;
  // True when the value at `pointer`, or anything inside it, holds an expression (deferred included).
  virtual bool IsDynamic(std::string_view pointer) const = 0;
  // The tree with every non-deferred template evaluated. Errors name the parameter's pointer.
  virtual absl::StatusOr<Json> Evaluate(const EvalScope& scope) const = 0;
  // The same, stopping with RESOURCE_EXHAUSTED ("evaluating parameter POINTER", the leaf that
  // crossed it) as soon as the evaluated values (each bounded by ExpressionLimits::max_value_bytes)
  // together take more than `max_bytes` (sdk::ItemBytes): many large values in one tree would
  // otherwise be built before anyone could count them.
  virtual absl::StatusOr<Json> EvaluateWithin(const EvalScope& scope, size_t max_bytes) const = 0;
  // The deferred template at `pointer`, or nullptr.
  virtual const Template* FindDeferred(std::string_view pointer) const = 0;
  // Every reference, for the validator.
  virtual std::vector<LocatedReference> references() const = 0;
};

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_TEMPLATE_H_
