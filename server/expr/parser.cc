#include "server/expr/parser.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/expr/functions.h"
#include "server/expr/lexer.h"
#include "server/expr/operators.h"
#include "server/expr/parser_impl.h"

namespace flowhost::expr {
namespace {

using sdk::AsAbsl;

// Binary operator levels, loosest first. `??` shares the loosest level with `||` but may not be
// mixed with `||` or `&&` without parentheses (as in JavaScript).
constexpr int kBinaryLevels = 6;

std::optional<BinaryOp> BinaryOpAt(int level, TokenKind kind) {
  switch (level) {
    case 0:
      if (kind == TokenKind::kOr) return BinaryOp::kOr;
      if (kind == TokenKind::kCoalesce) return BinaryOp::kCoalesce;
      break;
    case 1:
      if (kind == TokenKind::kAnd) return BinaryOp::kAnd;
      break;
    case 2:
      if (kind == TokenKind::kEqual) return BinaryOp::kEqual;
      if (kind == TokenKind::kNotEqual) return BinaryOp::kNotEqual;
      break;
    case 3:
      if (kind == TokenKind::kLess) return BinaryOp::kLess;
      if (kind == TokenKind::kLessEqual) return BinaryOp::kLessEqual;
      if (kind == TokenKind::kGreater) return BinaryOp::kGreater;
      if (kind == TokenKind::kGreaterEqual) return BinaryOp::kGreaterEqual;
      break;
    case 4:
      if (kind == TokenKind::kPlus) return BinaryOp::kAdd;
      if (kind == TokenKind::kMinus) return BinaryOp::kSubtract;
      break;
    case 5:
      if (kind == TokenKind::kStar) return BinaryOp::kMultiply;
      if (kind == TokenKind::kSlash) return BinaryOp::kDivide;
      if (kind == TokenKind::kPercent) return BinaryOp::kRemainder;
      break;
  }
  return std::nullopt;
}

std::string ArgumentCount(int n) { return absl::StrCat(n, n == 1 ? " argument" : " arguments"); }

}  // namespace

bool Parser::Run(ParsedTree& out, ParseError& error) {
  if (source_.size() > limits_.max_source_bytes) {
    error = {limits_.max_source_bytes,
             absl::StrCat("expression is ", source_.size(), " bytes long; the limit is ",
                          limits_.max_source_bytes)};
    return false;
  }
  Lexer lexer(source_);
  while (true) {
    Token token;
    if (!lexer.Next(token)) {
      error = {lexer.error_offset(), lexer.error_message()};
      return false;
    }
    const bool end = token.is(TokenKind::kEnd);
    tokens_.push_back(std::move(token));
    if (end) break;
  }
  if (tokens_.front().is(TokenKind::kEnd)) {
    error = {tokens_.front().offset, "empty expression"};
    return false;
  }
  ExprPtr root = ParseExpression();
  if (root != nullptr && !Peek().is(TokenKind::kEnd)) {
    Fail(Peek().offset, absl::StrCat("unexpected ", DescribeToken(Peek())));
  }
  if (failed_) {
    error = std::move(error_);
    return false;
  }
  out.root = std::move(root);
  out.references = std::move(references_);
  return true;
}

bool Parser::Expect(TokenKind kind, std::string_view what) {
  if (Accept(kind)) return true;
  Fail(Peek().offset, absl::StrCat("expected ", AsAbsl(what), ", found ", DescribeToken(Peek())));
  return false;
}
ExprPtr Parser::Fail(size_t offset, std::string message) {
  if (!failed_) {
    failed_ = true;
    error_ = {offset, std::move(message)};
  }
  return nullptr;
}
bool Parser::TooDeep() {
  if (depth_ <= limits_.max_depth) return false;
  Fail(Peek().offset, absl::StrCat("expression is nested too deeply (the limit is ",
                                   limits_.max_depth, " levels)"));
  return true;
}
void Parser::AddReference(Reference::Kind kind, std::string name, size_t offset) {
  references_.push_back(Reference{kind, std::move(name), offset, {}});
}

// `$json.x`, `$input.item.x`, `$("N").item.json.x`, ...: the field an item accessor reads first.
void Parser::AddFieldReference(const ExprNode& base, const PostfixStep& step) {
  std::string node;
  if (const auto* scope = std::get_if<ScopeNameNode>(&base.node)) {
    if (scope->name != ScopeName::kJson) return;
  } else if (const auto* items = std::get_if<ItemsNode>(&base.node)) {
    if (items->accessor != ItemAccessor::kItem && items->accessor != ItemAccessor::kFirst &&
        items->accessor != ItemAccessor::kLast) {
      return;
    }
    node = items->node_name;
  } else {
    return;
  }
  std::string field;
  size_t offset = step.offset;
  if (step.kind == PostfixStep::Kind::kField) {
    field = step.name;
  } else if (step.kind == PostfixStep::Kind::kIndex && step.index != nullptr) {
    const auto* literal = std::get_if<LiteralNode>(&step.index->node);
    if (literal == nullptr || !literal->value.is_string()) return;
    field = literal->value.get<std::string>();
    offset = step.index->offset;
  } else {
    return;
  }
  references_.push_back(Reference{Reference::Kind::kField, std::move(field), offset,
                                  std::move(node)});
}

ExprPtr Parser::ParseExpression() {
  DepthGuard guard(depth_);
  if (TooDeep()) return nullptr;
  return ParseConditional();
}

ExprPtr Parser::ParseConditional() {
  ExprPtr condition = ParseBinary(0, nullptr);
  if (condition == nullptr || !Peek().is(TokenKind::kQuestion)) return condition;
  Advance();
  ExprPtr then_branch = ParseExpression();
  if (then_branch == nullptr) return nullptr;
  if (!Expect(TokenKind::kColon, "':' of the conditional (a ? b : c)")) return nullptr;
  ExprPtr else_branch = ParseExpression();
  if (else_branch == nullptr) return nullptr;
  const size_t offset = condition->offset;
  return MakeNode(offset, ConditionalNode{std::move(condition), std::move(then_branch),
                                          std::move(else_branch)});
}

// One precedence level: operands of the next level joined by this level's operators.
// `made_chain` tells the caller whether an operator of this level was found.
ExprPtr Parser::ParseBinary(int level, bool* made_chain) {
  if (made_chain != nullptr) *made_chain = false;
  if (level == kBinaryLevels) return ParseUnary();
  bool operand_is_chain = false;
  ExprPtr first = ParseBinary(level + 1, &operand_is_chain);
  if (first == nullptr) return nullptr;
  if (!BinaryOpAt(level, Peek().kind)) return first;

  bool any_and = operand_is_chain;  // level 0 only: an unparenthesized && operand
  bool has_or = false;
  bool has_coalesce = false;
  const size_t offset = first->offset;
  ChainNode chain;
  chain.operands.push_back(std::move(first));
  while (auto op = BinaryOpAt(level, Peek().kind)) {
    const Token& token = Advance();
    (*op == BinaryOp::kCoalesce ? has_coalesce : has_or) = true;
    ExprPtr next = ParseBinary(level + 1, &operand_is_chain);
    if (next == nullptr) return nullptr;
    any_and = any_and || operand_is_chain;
    if (level == 0 && has_coalesce && (has_or || any_and)) {
      return Fail(token.offset,
                  "cannot mix '?\?' with '||' or '&&' without parentheses; add them to say "
                  "which comes first");
    }
    chain.operands.push_back(std::move(next));
    chain.ops.push_back(*op);
    chain.op_offsets.push_back(token.offset);
  }
  if (made_chain != nullptr) *made_chain = true;
  return MakeNode(offset, std::move(chain));
}

ExprPtr Parser::ParseUnary() {
  const Token& token = Peek();
  UnaryOp op;
  if (token.is(TokenKind::kNot)) {
    op = UnaryOp::kNot;
  } else if (token.is(TokenKind::kMinus)) {
    op = UnaryOp::kNegate;
  } else if (token.is(TokenKind::kPlus)) {
    op = UnaryOp::kPlus;
  } else {
    return ParsePostfix();
  }
  Advance();
  DepthGuard guard(depth_);
  if (TooDeep()) return nullptr;
  ExprPtr operand = ParseUnary();
  if (operand == nullptr) return nullptr;
  // Fold `-5` into a literal, so negative constants cost nothing at run time.
  if (op == UnaryOp::kNegate) {
    if (const auto* literal = std::get_if<LiteralNode>(&operand->node);
        literal != nullptr && literal->value.is_number()) {
      if (auto negated = Negate(literal->value); negated.ok()) {
        return MakeNode(token.offset, LiteralNode{*std::move(negated)});
      }
    }
  }
  return MakeNode(token.offset, UnaryNode{op, std::move(operand)});
}

ExprPtr Parser::ParsePostfix() {
  ExprPtr base = ParsePrimary();
  if (base == nullptr) return nullptr;
  std::vector<PostfixStep> steps;
  while (true) {
    if (Accept(TokenKind::kDot)) {
      const Token& name = Peek();
      if (!name.is(TokenKind::kIdentifier)) {
        return Fail(name.offset,
                    absl::StrCat("expected a field name after '.', found ", DescribeToken(name)));
      }
      Advance();
      PostfixStep step;
      step.offset = name.offset;
      step.name = std::string(name.text);
      if (Peek().is(TokenKind::kLParen)) {
        step.kind = PostfixStep::Kind::kMethod;
        step.function = FindMethod(name.text);
        if (step.function == nullptr) return UnknownFunction(name, /*method=*/true);
        Advance();
        if (!ParseArguments(step.args)) return nullptr;
        if (!CheckArity(*step.function, step.args.size() + 1, name, /*method=*/true)) {
          return nullptr;
        }
      }
      steps.push_back(std::move(step));
    } else if (Peek().is(TokenKind::kLBracket)) {
      PostfixStep step;
      step.kind = PostfixStep::Kind::kIndex;
      step.offset = Advance().offset;
      step.index = ParseExpression();
      if (step.index == nullptr || !Expect(TokenKind::kRBracket, "']'")) return nullptr;
      steps.push_back(std::move(step));
    } else if (Peek().is(TokenKind::kLParen)) {
      return Fail(Peek().offset,
                  "only library functions and methods can be called (like lower(x) or "
                  "x.trim())");
    } else {
      break;
    }
  }
  if (steps.empty()) return base;
  AddFieldReference(*base, steps.front());
  const size_t offset = base->offset;
  return MakeNode(offset, PostfixNode{std::move(base), std::move(steps)});
}

ExprPtr Parser::ParsePrimary() {
  const Token& token = Peek();
  switch (token.kind) {
    case TokenKind::kInteger:
      Advance();
      return MakeNode(token.offset, LiteralNode{Json(token.integer)});
    case TokenKind::kFloat:
      Advance();
      return MakeNode(token.offset, LiteralNode{Json(token.number)});
    case TokenKind::kString:
      Advance();
      return MakeNode(token.offset, LiteralNode{Json(token.string_value)});
    case TokenKind::kLParen: {
      Advance();
      ExprPtr inner = ParseExpression();
      if (inner == nullptr || !Expect(TokenKind::kRParen, "')'")) return nullptr;
      return inner;
    }
    case TokenKind::kLBracket:
      return ParseArray();
    case TokenKind::kLBrace:
      return ParseObject();
    case TokenKind::kIdentifier:
      return ParseName();
    case TokenKind::kEnd:
      return Fail(token.offset, "unexpected end of expression");
    default:
      return Fail(token.offset, absl::StrCat("unexpected ", DescribeToken(token)));
  }
}

ExprPtr Parser::ParseArray() {
  const size_t offset = Advance().offset;
  ArrayNode array;
  while (!Accept(TokenKind::kRBracket)) {
    ExprPtr element = ParseExpression();
    if (element == nullptr) return nullptr;
    array.elements.push_back(std::move(element));
    if (Accept(TokenKind::kComma)) continue;
    if (!Expect(TokenKind::kRBracket, "',' or ']'")) return nullptr;
    break;
  }
  return MakeNode(offset, std::move(array));
}

ExprPtr Parser::ParseObject() {
  const size_t offset = Advance().offset;
  ObjectNode object;
  while (!Accept(TokenKind::kRBrace)) {
    const Token& key = Peek();
    std::string name;
    if (key.is(TokenKind::kIdentifier)) {
      name = std::string(key.text);
    } else if (key.is(TokenKind::kString)) {
      name = key.string_value;
    } else if (key.is(TokenKind::kInteger)) {
      name = std::string(key.text);
    } else {
      return Fail(key.offset,
                  absl::StrCat("expected a key (a name or a string), found ", DescribeToken(key)));
    }
    Advance();
    if (!Expect(TokenKind::kColon, "':' after the key")) return nullptr;
    ExprPtr value = ParseExpression();
    if (value == nullptr) return nullptr;
    object.entries.emplace_back(std::move(name), std::move(value));
    if (Accept(TokenKind::kComma)) continue;
    if (!Expect(TokenKind::kRBrace, "',' or '}'")) return nullptr;
    break;
  }
  return MakeNode(offset, std::move(object));
}

// After the '(' of a call: arguments up to and including ')'. A trailing comma is allowed.
bool Parser::ParseArguments(std::vector<ExprPtr>& args) {
  while (!Accept(TokenKind::kRParen)) {
    ExprPtr arg = ParseExpression();
    if (arg == nullptr) return false;
    args.push_back(std::move(arg));
    if (Accept(TokenKind::kComma)) continue;
    return Expect(TokenKind::kRParen, "',' or ')'");
  }
  return true;
}

bool Parser::CheckArity(const Function& function, size_t given, const Token& name, bool method) {
  const int n = static_cast<int>(given) - (method ? 1 : 0);
  const int min = function.min_args - (method ? 1 : 0);
  const int max = function.max_args == kVariadic ? kVariadic : function.max_args - (method ? 1 : 0);
  if (n >= min && n <= max) return true;
  if (method && function.min_args == 0) {
    Fail(name.offset, absl::StrCat(AsAbsl(name.text), "() cannot be called as a method"));
    return false;
  }
  std::string expected;
  if (max == kVariadic) {
    expected = absl::StrCat("at least ", ArgumentCount(min));
  } else if (min == max) {
    expected = ArgumentCount(min);
  } else {
    expected = absl::StrCat(min, " to ", max, " arguments");
  }
  Fail(name.offset, absl::StrCat(method ? "method " : "", AsAbsl(name.text), "() expects ",
                                 expected, ", got ", n));
  return false;
}

ExprPtr Parser::UnknownFunction(const Token& name, bool method) {
  std::string message =
      absl::StrCat("unknown ", method ? "method" : "function", " '", AsAbsl(name.text), "'");
  if (std::string suggestion = SuggestFunction(name.text, method); !suggestion.empty()) {
    absl::StrAppend(&message, " (did you mean '", suggestion, "'?)");
  }
  return Fail(name.offset, std::move(message));
}

bool ParseTree(std::string_view source, const ExpressionLimits& limits, ParsedTree& out,
               ParseError& error) {
  Parser parser(source, limits);
  return parser.Run(out, error);
}

}  // namespace flowhost::expr
