// The parser's class, shared by parser.cc (the grammar of operators and literals) and
// parser_names.cc (names: $json, $("Node"), $env, functions). Internal to the expr layer: use
// ParseTree (parser.h). A Parser parses one source once, on one thread.
#ifndef FLOWHOST_SERVER_EXPR_PARSER_IMPL_H_
#define FLOWHOST_SERVER_EXPR_PARSER_IMPL_H_

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/expr/ast.h"
#include "server/expr/expression.h"
#include "server/expr/functions.h"
#include "server/expr/parser.h"
#include "server/expr/token.h"

namespace flowhost::expr {

class Parser {
 public:
  Parser(std::string_view source, const ExpressionLimits& limits)
      : source_(source), limits_(limits) {}

  // Lexes and parses the whole source; see ParseTree.
  bool Run(ParsedTree& out, ParseError& error);

 private:
  // Counts one level of nesting for as long as it lives.
  class DepthGuard {
   public:
    explicit DepthGuard(int& depth) : depth_(depth) { ++depth_; }
    ~DepthGuard() { --depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    int& depth_;
  };

  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Advance() {
    const Token& token = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return token;
  }
  bool Accept(TokenKind kind) {
    if (!Peek().is(kind)) return false;
    Advance();
    return true;
  }
  // Consumes a token of `kind`, or reports "expected WHAT, found ...".
  bool Expect(TokenKind kind, std::string_view what);
  // Reports `message` at `offset` unless an error was already reported; returns nullptr.
  ExprPtr Fail(size_t offset, std::string message);
  // True (after reporting) when the current nesting exceeds limits.max_depth.
  bool TooDeep();
  void AddReference(Reference::Kind kind, std::string name, size_t offset);
  // Records the field that `step` reads from `base` when `base` is an item ($json, $input.item,
  // $("N").item, .first(), .last()).
  void AddFieldReference(const ExprNode& base, const PostfixStep& step);

  // The grammar, loosest first (parser.cc).
  ExprPtr ParseExpression();
  ExprPtr ParseConditional();
  // One precedence level; `made_chain` tells whether an operator of this level was found.
  ExprPtr ParseBinary(int level, bool* made_chain);
  ExprPtr ParseUnary();
  ExprPtr ParsePostfix();
  ExprPtr ParsePrimary();
  ExprPtr ParseArray();
  ExprPtr ParseObject();
  // After the '(' of a call: arguments up to and including ')'. A trailing comma is allowed.
  bool ParseArguments(std::vector<ExprPtr>& args);
  bool CheckArity(const Function& function, size_t given, const Token& name, bool method);
  ExprPtr UnknownFunction(const Token& name, bool method);

  // Names (parser_names.cc): literals spelled as names, function calls, and the $ names.
  ExprPtr ParseName();
  // A static name after `$inputs` / `$vars` / `$env`: `.name` or `["name"]` (not a method call).
  std::optional<std::string> StaticMemberAhead() const;
  ExprPtr ParseDollarName();
  ExprPtr ParseEnv(size_t offset);
  // After $input / $("X") / $node["X"]: .item, .first(), .last(), .all(), and for nodes .json
  // (= .item), .items (= .all()) and .isExecuted. `.json` right after an item is n8n's wrapper and
  // reads as the item itself.
  ExprPtr ParseItemsAccessor(size_t offset, bool current_input, std::string node_name,
                             const std::string& shown);

  std::string_view source_;
  const ExpressionLimits& limits_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  ParseError error_;
  std::vector<Reference> references_;
};

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_PARSER_IMPL_H_
