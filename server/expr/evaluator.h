// The tree-walking evaluator: computes the value of a parsed expression against one scope.
//
// Evaluation reads the immutable tree and the scope and keeps its state on the stack, so any number
// of threads may evaluate the same tree at once. Recursion follows the tree's nesting, which the
// parser bounded by ExpressionLimits::max_depth.
#ifndef FLOWHOST_SERVER_EXPR_EVALUATOR_H_
#define FLOWHOST_SERVER_EXPR_EVALUATOR_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "server/expr/ast.h"
#include "server/expr/eval_scope.h"
#include "server/expr/expression.h"

namespace flowhost::expr {

// Evaluates `root`. Errors are INVALID_ARGUMENT, "at column N: what went wrong", where N is the
// 1-based byte column of the offending operator or operand plus `column_base` (a template passes
// the offset of the expression inside its text so that columns count from the start of the text).
absl::StatusOr<Json> EvaluateTree(const ExprNode& root, const EvalScope& scope,
                                  const ExpressionLimits& limits, size_t column_base = 0);

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_EVALUATOR_H_
