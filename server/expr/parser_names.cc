// The parser's handling of names: true/false/null, function calls (with JavaScript spellings such
// as Math.max), and the $ names with their accessors and the references the validator needs.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/did_you_mean.h"
#include "server/expr/parser_impl.h"

namespace flowhost::expr {
namespace {

using sdk::AsAbsl;

constexpr std::string_view kDollarNames[] = {
    "$json", "$itemIndex", "$inputs", "$vars", "$execution", "$budget", "$env", "$input", "$node"};

}  // namespace

ExprPtr Parser::ParseName() {
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
std::optional<std::string> Parser::StaticMemberAhead() const {
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

ExprPtr Parser::ParseDollarName() {
  const Token& token = Advance();
  const std::string_view name = token.text;
  const size_t offset = token.offset;
  if (name == "$json") return MakeNode(offset, ScopeNameNode{ScopeName::kJson});
  if (name == "$itemIndex") return MakeNode(offset, ScopeNameNode{ScopeName::kItemIndex});
  if (name == "$execution") return MakeNode(offset, ScopeNameNode{ScopeName::kExecution});
  if (name == "$budget") return MakeNode(offset, ScopeNameNode{ScopeName::kBudget});
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
                    "$budget, $input, $node and $(\"Node\")");
  }
  return Fail(offset, std::move(message));
}

ExprPtr Parser::ParseEnv(size_t offset) {
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
ExprPtr Parser::ParseItemsAccessor(size_t offset, bool current_input, std::string node_name,
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

}  // namespace flowhost::expr
