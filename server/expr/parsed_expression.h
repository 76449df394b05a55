// The Expression implementation, visible to the template code so it can report columns relative to
// a whole template text. Immutable after Create; Evaluate is safe from any number of threads.
#ifndef FLOWHOST_SERVER_EXPR_PARSED_EXPRESSION_H_
#define FLOWHOST_SERVER_EXPR_PARSED_EXPRESSION_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/expr/expression.h"
#include "server/expr/parser.h"

namespace flowhost::expr {

class ParsedExpression final : public Expression {
 public:
  // Parses `source`; on failure fills `error` and returns nullptr.
  static std::unique_ptr<const ParsedExpression> Create(std::string_view source,
                                                        const ExpressionLimits& limits,
                                                        ParseError& error);

  absl::StatusOr<Json> Evaluate(const EvalScope& scope) const override {
    return EvaluateAt(scope, 0);
  }
  // As Evaluate, with `column_base` added to the columns in error messages.
  absl::StatusOr<Json> EvaluateAt(const EvalScope& scope, size_t column_base) const;

  const std::vector<Reference>& references() const override { return tree_.references; }
  std::string_view source() const override { return source_; }

 private:
  ParsedExpression(std::string source, const ExpressionLimits& limits, ParsedTree tree)
      : source_(std::move(source)), limits_(limits), tree_(std::move(tree)) {}

  const std::string source_;
  const ExpressionLimits limits_;
  const ParsedTree tree_;
};

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_PARSED_EXPRESSION_H_
