#include "server/expr/expression.h"

#include "absl/strings/str_cat.h"
#include "server/expr/evaluator.h"
#include "server/expr/parsed_expression.h"

namespace flowhost::expr {

std::unique_ptr<const ParsedExpression> ParsedExpression::Create(std::string_view source,
                                                                 const ExpressionLimits& limits,
                                                                 ParseError& error) {
  ParsedTree tree;
  if (!ParseTree(source, limits, tree, error)) return nullptr;
  return std::unique_ptr<const ParsedExpression>(
      new ParsedExpression(std::string(source), limits, std::move(tree)));
}

absl::StatusOr<Json> ParsedExpression::EvaluateAt(const EvalScope& scope,
                                                  size_t column_base) const {
  return EvaluateTree(*tree_.root, scope, limits_, column_base);
}

absl::StatusOr<std::unique_ptr<const Expression>> Expression::Parse(std::string_view source,
                                                                    const ExpressionLimits& limits,
                                                                    ParseError* error) {
  ParseError local;
  std::unique_ptr<const ParsedExpression> parsed = ParsedExpression::Create(source, limits, local);
  if (parsed == nullptr) {
    std::string message = absl::StrCat("at column ", local.offset + 1, ": ", local.message);
    if (error != nullptr) *error = std::move(local);
    return absl::InvalidArgumentError(message);
  }
  return std::unique_ptr<const Expression>(std::move(parsed));
}

}  // namespace flowhost::expr
