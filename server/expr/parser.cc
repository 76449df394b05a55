#include "server/expr/parser.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/did_you_mean.h"
#include "server/expr/functions.h"
#include "server/expr/lexer.h"
#include "server/expr/operators.h"

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

constexpr std::string_view kDollarNames[] = {"$json",      "$itemIndex", "$inputs", "$vars",
                                             "$execution", "$env",       "$input",  "$node"};

std::string ArgumentCount(int n) { return absl::StrCat(n, n == 1 ? " argument" : " arguments"); }

class Parser {
 public:
  Parser(std::string_view source, const ExpressionLimits& limits)
      : source_(source), limits_(limits) {}

  bool Run(ParsedTree& out, ParseError& error) {
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
  bool Expect(TokenKind kind, std::string_view what) {
    if (Accept(kind)) return true;
    Fail(Peek().offset, absl::StrCat("expected ", AsAbsl(what), ", found ", DescribeToken(Peek())));
    return false;
  }
  ExprPtr Fail(size_t offset, std::string message) {
    if (!failed_) {
      failed_ = true;
      error_ = {offset, std::move(message)};
    }
    return nullptr;
  }
  bool TooDeep() {
    if (depth_ <= limits_.max_depth) return false;
    Fail(Peek().offset, absl::StrCat("expression is nested too deeply (the limit is ",
                                     limits_.max_depth, " levels)"));
    return true;
  }
  void AddReference(Reference::Kind kind, std::string name, size_t offset) {
    references_.push_back(Reference{kind, std::move(name), offset});
  }

  ExprPtr ParseExpression() {
    DepthGuard guard(depth_);
    if (TooDeep()) return nullptr;
    return ParseConditional();
  }

  ExprPtr ParseConditional() {
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
  ExprPtr ParseBinary(int level, bool* made_chain) {
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

  ExprPtr ParseUnary() {
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

  ExprPtr ParsePostfix() {
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
    const size_t offset = base->offset;
    return MakeNode(offset, PostfixNode{std::move(base), std::move(steps)});
  }

  ExprPtr ParsePrimary() {
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

  ExprPtr ParseArray() {
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

  ExprPtr ParseObject() {
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
        return Fail(key.offset, absl::StrCat("expected a key (a name or a string), found ",
                                             DescribeToken(key)));
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
  bool ParseArguments(std::vector<ExprPtr>& args) {
    while (!Accept(TokenKind::kRParen)) {
      ExprPtr arg = ParseExpression();
      if (arg == nullptr) return false;
      args.push_back(std::move(arg));
      if (Accept(TokenKind::kComma)) continue;
      return Expect(TokenKind::kRParen, "',' or ')'");
    }
    return true;
  }

  bool CheckArity(const Function& function, size_t given, const Token& name, bool method) {
    const int n = static_cast<int>(given) - (method ? 1 : 0);
    const int min = function.min_args - (method ? 1 : 0);
    const int max =
        function.max_args == kVariadic ? kVariadic : function.max_args - (method ? 1 : 0);
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

  ExprPtr UnknownFunction(const Token& name, bool method) {
    std::string message =
        absl::StrCat("unknown ", method ? "method" : "function", " '", AsAbsl(name.text), "'");
    if (std::string suggestion = SuggestFunction(name.text, method); !suggestion.empty()) {
      absl::StrAppend(&message, " (did you mean '", suggestion, "'?)");
    }
    return Fail(name.offset, std::move(message));
  }

  ExprPtr ParseName() {
    const Token& token = Peek();
    if (token.text.front() == '$') return ParseDollarName();
    Advance();
    if (token.text == "true" || token.text == "false") {
      return MakeNode(token.offset, LiteralNode{Json(token.text == "true")});
    }
    if (token.text == "null" || token.text == "undefined") {
      return MakeNode(token.offset, LiteralNode{Json(nullptr)});
    }
    std::string name(token.text);
    // JavaScript's Math.max(...), JSON.stringify(...), Object.keys(...).
    if ((name == "Math" || name == "JSON" || name == "Object") && Peek().is(TokenKind::kDot) &&
        Peek(1).is(TokenKind::kIdentifier) && Peek(2).is(TokenKind::kLParen)) {
      Advance();
      absl::StrAppend(&name, ".", AsAbsl(Advance().text));
    }
    if (!Peek().is(TokenKind::kLParen)) {
      return Fail(token.offset,
                  absl::StrCat("unknown name '", name,
                               "': data is read through $json, $inputs, $vars, $env, $execution, "
                               "$input or $(\"Node\"), and functions are called with parentheses"));
    }
    const Function* function = FindFunction(name);
    if (function == nullptr) {
      Token shown = token;
      shown.text = source_.substr(token.offset, Peek().offset - token.offset);
      return UnknownFunction(shown, /*method=*/false);
    }
    Advance();
    CallNode call{function, name, {}};
    if (!ParseArguments(call.args)) return nullptr;
    Token shown = token;
    shown.text = name;
    if (!CheckArity(*function, call.args.size(), shown, /*method=*/false)) return nullptr;
    return MakeNode(token.offset, std::move(call));
  }

  // A static name after `$inputs` / `$vars` / `$env`: `.name` or `["name"]` (not a method call).
  std::optional<std::string> StaticMemberAhead() const {
    if (Peek().is(TokenKind::kDot) && Peek(1).is(TokenKind::kIdentifier) &&
        !Peek(2).is(TokenKind::kLParen)) {
      return std::string(Peek(1).text);
    }
    if (Peek().is(TokenKind::kLBracket) && Peek(1).is(TokenKind::kString) &&
        Peek(2).is(TokenKind::kRBracket)) {
      return Peek(1).string_value;
    }
    return std::nullopt;
  }

  ExprPtr ParseDollarName() {
    const Token& token = Advance();
    const std::string_view name = token.text;
    const size_t offset = token.offset;
    if (name == "$json") return MakeNode(offset, ScopeNameNode{ScopeName::kJson});
    if (name == "$itemIndex") return MakeNode(offset, ScopeNameNode{ScopeName::kItemIndex});
    if (name == "$execution") return MakeNode(offset, ScopeNameNode{ScopeName::kExecution});
    if (name == "$inputs" || name == "$vars") {
      if (auto member = StaticMemberAhead()) {
        AddReference(name == "$inputs" ? Reference::Kind::kInput : Reference::Kind::kVar,
                     *std::move(member), offset);
      }
      return MakeNode(offset,
                      ScopeNameNode{name == "$inputs" ? ScopeName::kInputs : ScopeName::kVars});
    }
    if (name == "$env") return ParseEnv(offset);
    if (name == "$input") return ParseItemsAccessor(offset, /*current_input=*/true, "", "$input");
    if (name == "$node" || name == "$") {
      const bool bracket = name == "$node";
      const std::string shown = bracket ? "$node[\"Node name\"]" : "$(\"Node name\")";
      if (!Expect(bracket ? TokenKind::kLBracket : TokenKind::kLParen,
                  bracket ? "'[' after $node, as in $node[\"Node name\"]"
                          : "'(' after $, as in $(\"Node name\")")) {
        return nullptr;
      }
      const Token& node_name = Peek();
      if (!node_name.is(TokenKind::kString) ||
          !Peek(1).is(bracket ? TokenKind::kRBracket : TokenKind::kRParen)) {
        return Fail(node_name.offset,
                    absl::StrCat("the node name must be a string literal, as in ", shown,
                                 ": workflows are checked before they run, so it cannot be "
                                 "computed"));
      }
      Advance();
      Advance();
      AddReference(Reference::Kind::kNode, node_name.string_value, offset);
      return ParseItemsAccessor(offset, /*current_input=*/false, node_name.string_value,
                                bracket ? "$node[\"" + node_name.string_value + "\"]"
                                        : "$(\"" + node_name.string_value + "\")");
    }
    std::string message = absl::StrCat("unknown name '", AsAbsl(name), "'");
    const std::vector<std::string> known(std::begin(kDollarNames), std::end(kDollarNames));
    if (std::string suggestion = sdk::ClosestMatch(name, known); !suggestion.empty()) {
      absl::StrAppend(&message, " (did you mean '", suggestion, "'?)");
    } else {
      absl::StrAppend(&message,
                      "; the names are $json, $itemIndex, $inputs, $vars, $env, $execution, "
                      "$input, $node and $(\"Node\")");
    }
    return Fail(offset, std::move(message));
  }

  ExprPtr ParseEnv(size_t offset) {
    if (auto member = StaticMemberAhead()) {
      const bool bracket = Peek().is(TokenKind::kLBracket);
      Advance();
      Advance();
      if (bracket) Advance();
      AddReference(Reference::Kind::kEnv, *member, offset);
      return MakeNode(offset, EnvNode{*std::move(member), nullptr});
    }
    if (Accept(TokenKind::kLBracket)) {
      ExprPtr name = ParseExpression();
      if (name == nullptr || !Expect(TokenKind::kRBracket, "']'")) return nullptr;
      return MakeNode(offset, EnvNode{"", std::move(name)});
    }
    return Fail(offset,
                "$env must be followed by a variable name, as in $env.NAME or $env[\"NAME\"]: the "
                "environment cannot be read as a whole");
  }

  // After $input / $("X") / $node["X"]: .item, .first(), .last(), .all(), and for nodes .json
  // (= .item), .items (= .all()) and .isExecuted. `.json` right after an item is n8n's wrapper and
  // reads as the item itself.
  ExprPtr ParseItemsAccessor(size_t offset, bool current_input, std::string node_name,
                             const std::string& shown) {
    const std::string expected =
        absl::StrCat(".item, .first(), .last() or .all()",
                     current_input ? "" : " (or .json, .items, .isExecuted)");
    if (!Accept(TokenKind::kDot) || !Peek().is(TokenKind::kIdentifier)) {
      return Fail(Peek().offset, absl::StrCat("expected ", expected, " after ", AsAbsl(shown)));
    }
    const Token& accessor = Advance();
    const std::string_view a = accessor.text;
    ItemAccessor kind;
    bool call = false;
    bool item = false;
    if (a == "item") {
      kind = ItemAccessor::kItem;
      item = true;
    } else if (a == "first" || a == "last") {
      kind = a == "first" ? ItemAccessor::kFirst : ItemAccessor::kLast;
      call = item = true;
    } else if (a == "all") {
      kind = ItemAccessor::kAll;
      call = true;
    } else if (!current_input && a == "json") {
      kind = ItemAccessor::kItem;
    } else if (!current_input && a == "items") {
      kind = ItemAccessor::kAll;
    } else if (!current_input && a == "isExecuted") {
      kind = ItemAccessor::kIsExecuted;
    } else {
      return Fail(accessor.offset, absl::StrCat("unknown accessor '.", AsAbsl(a), "' on ",
                                                AsAbsl(shown), "; expected ", expected));
    }
    if (call) {
      if (!Expect(TokenKind::kLParen, absl::StrCat("'(' after .", AsAbsl(a)))) return nullptr;
      if (!Peek().is(TokenKind::kRParen)) {
        return Fail(Peek().offset, absl::StrCat(".", AsAbsl(a), "() takes no arguments"));
      }
      Advance();
    } else if (Peek().is(TokenKind::kLParen)) {
      return Fail(Peek().offset,
                  absl::StrCat(".", AsAbsl(a), " is a property; write it without '()'"));
    }
    if (item && Peek().is(TokenKind::kDot) && Peek(1).IsIdentifier("json") &&
        !Peek(2).is(TokenKind::kLParen)) {
      Advance();
      Advance();
    }
    return MakeNode(offset, ItemsNode{current_input, std::move(node_name), kind});
  }

  std::string_view source_;
  const ExpressionLimits& limits_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  ParseError error_;
  std::vector<Reference> references_;
};

}  // namespace

bool ParseTree(std::string_view source, const ExpressionLimits& limits, ParsedTree& out,
               ParseError& error) {
  Parser parser(source, limits);
  return parser.Run(out, error);
}

}  // namespace flowhost::expr
