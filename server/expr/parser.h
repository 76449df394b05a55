// Turns expression source into a syntax tree (ast.h) plus the references the validator needs.
//
// Recursive descent with one token of lookahead; binary operators are parsed by precedence climbing
// over a table of levels. Function names and arities are resolved here, so a misspelt function is a
// parse error. Nesting deeper than ExpressionLimits::max_depth is a parse error raised before the
// parser's own recursion could exhaust the stack.
//
// Stateless entry point; safe to call from any thread.
#ifndef FLOWHOST_SERVER_EXPR_PARSER_H_
#define FLOWHOST_SERVER_EXPR_PARSER_H_

#include <string_view>
#include <vector>

#include "server/expr/ast.h"
#include "server/expr/expression.h"

namespace flowhost::expr {

struct ParsedTree {
  ExprPtr root;
  std::vector<Reference> references;  // in source order
};

// Parses `source`. On failure returns false and fills `error` (offset of the offending token and a
// message); `out` is then unspecified.
bool ParseTree(std::string_view source, const ExpressionLimits& limits, ParsedTree& out,
               ParseError& error);

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_PARSER_H_
