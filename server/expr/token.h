// The tokens of the expression language, as produced by the Lexer.
//
// A Token is a plain value: its kind, its byte offset and length in the source it came from, and
// for literals the decoded value. Tokens never own the source text; `text` views into it.
#ifndef FLOWHOST_SERVER_EXPR_TOKEN_H_
#define FLOWHOST_SERVER_EXPR_TOKEN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace flowhost::expr {

enum class TokenKind {
  kEnd,           // end of the source
  kInteger,       // 42 (value in `integer`)
  kFloat,         // 4.2, 1e3, or an integer too large for int64 (value in `number`)
  kString,        // 'text' or "text" (decoded value in `string_value`)
  kIdentifier,    // name, $json, $ (the text is the name)
  kLParen,        // (
  kRParen,        // )
  kLBracket,      // [
  kRBracket,      // ]
  kLBrace,        // {
  kRBrace,        // }
  kComma,         // ,
  kDot,           // .  (also `?.`, which means the same here)
  kColon,         // :
  kQuestion,      // ?
  kCoalesce,      // ??
  kNot,           // !
  kEqual,         // == or ===
  kNotEqual,      // != or !==
  kLess,          // <
  kLessEqual,     // <=
  kGreater,       // >
  kGreaterEqual,  // >=
  kPlus,          // +
  kMinus,         // -
  kStar,          // *
  kSlash,         // /
  kPercent,       // %
  kAnd,           // &&
  kOr,            // ||
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;         // byte offset of the first character in the source
  std::string_view text;     // the token as written
  int64_t integer = 0;       // kInteger
  double number = 0;         // kFloat
  std::string string_value;  // kString, escapes decoded

  bool is(TokenKind k) const { return kind == k; }
  bool IsIdentifier(std::string_view name) const {
    return kind == TokenKind::kIdentifier && text == name;
  }
};

// How a token reads in an error message: "')'", "'foo'", "end of expression".
std::string DescribeToken(const Token& token);

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_TOKEN_H_
