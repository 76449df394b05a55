// Splits expression source into tokens, one at a time.
//
// The lexer is used two ways: by the parser, over the text of one expression, and by the template
// scanner, which starts it just after a `{{` and reads tokens until the closing `}}` so that braces
// inside string and object literals cannot end an expression early.
//
// A Lexer borrows its source (which must outlive it) and is used by one thread at a time.
#ifndef FLOWHOST_SERVER_EXPR_LEXER_H_
#define FLOWHOST_SERVER_EXPR_LEXER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/expr/token.h"

namespace flowhost::expr {

class Lexer {
 public:
  // Reads `source` starting at byte `start`.
  explicit Lexer(std::string_view source, size_t start = 0) : source_(source), pos_(start) {}

  // Reads the next token into `token`. Returns false on a lexical error (an unterminated string, a
  // bad escape, a stray character) and fills `error_offset` / `error_message`; the lexer should not
  // be used after that.
  bool Next(Token& token);

  // The byte offset of the next unread character (after skipping nothing).
  size_t position() const { return pos_; }
  // Skips whitespace and returns the offset of the next character (source.size() at the end).
  size_t SkipWhitespace();

  size_t error_offset() const { return error_offset_; }
  const std::string& error_message() const { return error_message_; }

 private:
  bool LexNumber(Token& token);
  bool LexString(Token& token);
  bool LexEscape(size_t string_start, std::string& out);
  bool Fail(size_t offset, std::string message);

  std::string_view source_;
  size_t pos_;
  size_t error_offset_ = 0;
  std::string error_message_;
};

// Appends the UTF-8 encoding of `code_point` to `out` (U+FFFD for a lone surrogate or an invalid
// value).
void AppendUtf8(std::string& out, uint32_t code_point);

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_LEXER_H_
