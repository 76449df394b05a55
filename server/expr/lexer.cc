#include "server/expr/lexer.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>

#include "flowhost/sdk/abbreviate.h"

namespace flowhost::expr {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool IsIdentPart(char c) { return IsIdentStart(c) || IsDigit(c); }

bool IsPrintableAscii(char c) {
  return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
}

// "byte 0xc3": how a message names a byte it must not quote (it may be part of a character).
std::string ByteName(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return std::string("byte 0x") + "0123456789abcdef"[byte >> 4] + "0123456789abcdef"[byte & 15];
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void AppendUtf8(std::string& out, uint32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string DescribeToken(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "end of expression";
  std::string_view text = token.text;
  return "'" + sdk::Abbreviate(text, 24) + "'";
}

size_t Lexer::SkipWhitespace() {
  while (pos_ < source_.size() && IsSpace(source_[pos_])) ++pos_;
  return pos_;
}

bool Lexer::Fail(size_t offset, std::string message) {
  error_offset_ = offset;
  error_message_ = std::move(message);
  return false;
}

bool Lexer::Next(Token& token) {
  SkipWhitespace();
  token = Token();
  token.offset = pos_;
  if (pos_ >= source_.size()) {
    token.kind = TokenKind::kEnd;
    token.text = source_.substr(source_.size());
    return true;
  }
  const char c = source_[pos_];
  if (IsDigit(c)) return LexNumber(token);
  if (c == '\'' || c == '"') return LexString(token);
  if (IsIdentStart(c)) {
    size_t end = pos_ + 1;
    while (end < source_.size() && IsIdentPart(source_[end])) ++end;
    token.kind = TokenKind::kIdentifier;
    token.text = source_.substr(pos_, end - pos_);
    pos_ = end;
    return true;
  }

  // Operators and punctuation: longest match first.
  auto rest = source_.substr(pos_);
  struct Op {
    std::string_view text;
    TokenKind kind;
  };
  static constexpr Op kOps[] = {
      {"===", TokenKind::kEqual},   {"!==", TokenKind::kNotEqual}, {"==", TokenKind::kEqual},
      {"!=", TokenKind::kNotEqual}, {"<=", TokenKind::kLessEqual}, {">=", TokenKind::kGreaterEqual},
      {"&&", TokenKind::kAnd},      {"||", TokenKind::kOr},        {"??", TokenKind::kCoalesce},
      {"(", TokenKind::kLParen},    {")", TokenKind::kRParen},     {"[", TokenKind::kLBracket},
      {"]", TokenKind::kRBracket},  {"{", TokenKind::kLBrace},     {"}", TokenKind::kRBrace},
      {",", TokenKind::kComma},     {".", TokenKind::kDot},        {":", TokenKind::kColon},
      {"?", TokenKind::kQuestion},  {"!", TokenKind::kNot},        {"<", TokenKind::kLess},
      {">", TokenKind::kGreater},   {"+", TokenKind::kPlus},       {"-", TokenKind::kMinus},
      {"*", TokenKind::kStar},      {"/", TokenKind::kSlash},      {"%", TokenKind::kPercent},
  };
  // `?.` is optional chaining in JavaScript; field access on null is already null here, so it is a
  // plain dot. (`a ?.5 : 1` is a conditional, as in JavaScript.)
  if (rest.size() >= 2 && rest[0] == '?' && rest[1] == '.' &&
      !(rest.size() >= 3 && IsDigit(rest[2]))) {
    token.kind = TokenKind::kDot;
    token.text = rest.substr(0, 2);
    pos_ += 2;
    return true;
  }
  for (const Op& op : kOps) {
    if (rest.substr(0, op.text.size()) == op.text) {
      token.kind = op.kind;
      token.text = rest.substr(0, op.text.size());
      pos_ += op.text.size();
      return true;
    }
  }
  if (c == '`') {
    return Fail(pos_, "template literals (`...`) are not supported; use '...' and +");
  }
  if (c == '=') return Fail(pos_, "assignment is not supported; use '==' to compare");
  if (c == '&' || c == '|') {
    return Fail(pos_, std::string("unexpected '") + c + "' (did you mean '" + c + c + "'?)");
  }
  if (IsPrintableAscii(c)) return Fail(pos_, std::string("unexpected character '") + c + "'");
  return Fail(pos_, "unexpected character (" + ByteName(c) + ")");
}

bool Lexer::LexNumber(Token& token) {
  const size_t start = pos_;
  size_t end = pos_;
  while (end < source_.size() && IsDigit(source_[end])) ++end;
  bool is_float = false;
  if (end + 1 < source_.size() && source_[end] == '.' && IsDigit(source_[end + 1])) {
    is_float = true;
    end += 1;
    while (end < source_.size() && IsDigit(source_[end])) ++end;
  }
  if (end < source_.size() && (source_[end] == 'e' || source_[end] == 'E')) {
    size_t exp = end + 1;
    if (exp < source_.size() && (source_[exp] == '+' || source_[exp] == '-')) ++exp;
    if (exp >= source_.size() || !IsDigit(source_[exp])) {
      return Fail(start, "malformed number: expected digits after the exponent");
    }
    while (exp < source_.size() && IsDigit(source_[exp])) ++exp;
    end = exp;
    is_float = true;
  }
  if (end < source_.size() && IsIdentPart(source_[end])) {
    return Fail(start, "malformed number: a letter follows the digits");
  }
  token.text = source_.substr(start, end - start);
  pos_ = end;
  if (!is_float) {
    int64_t value = 0;
    auto [ptr, ec] =
        std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
    if (ec == std::errc() && ptr == token.text.data() + token.text.size()) {
      token.kind = TokenKind::kInteger;
      token.integer = value;
      return true;
    }
    // Too large for int64: falls through to a float, as JSON parsers do.
  }
  std::string copy(token.text);
  errno = 0;
  double value = std::strtod(copy.c_str(), nullptr);
  if (errno == ERANGE && (value > 1 || value < -1)) {
    return Fail(start, "number out of range");
  }
  token.kind = TokenKind::kFloat;
  token.number = value;
  return true;
}

bool Lexer::LexString(Token& token) {
  const size_t start = pos_;
  const char quote = source_[pos_++];
  std::string value;
  while (true) {
    if (pos_ >= source_.size()) return Fail(start, "unterminated string");
    const char c = source_[pos_];
    if (c == quote) {
      ++pos_;
      break;
    }
    if (c == '\\') {
      if (!LexEscape(start, value)) return false;
      continue;
    }
    value += c;
    ++pos_;
  }
  token.kind = TokenKind::kString;
  token.text = source_.substr(start, pos_ - start);
  token.string_value = std::move(value);
  return true;
}

// Decodes one escape starting at the backslash at pos_.
bool Lexer::LexEscape(size_t string_start, std::string& out) {
  const size_t start = pos_;
  ++pos_;
  if (pos_ >= source_.size()) return Fail(string_start, "unterminated string");
  const char c = source_[pos_++];
  switch (c) {
    case 'n':
      out += '\n';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'r':
      out += '\r';
      return true;
    case 'b':
      out += '\b';
      return true;
    case 'f':
      out += '\f';
      return true;
    case 'v':
      out += '\v';
      return true;
    case '0':
      out += '\0';
      return true;
    case '\\':
      out += '\\';
      return true;
    case '\'':
      out += '\'';
      return true;
    case '"':
      out += '"';
      return true;
    case '/':
      out += '/';
      return true;
    case '\n':
      return true;  // line continuation
    case 'x': {
      if (pos_ + 2 > source_.size() || HexValue(source_[pos_]) < 0 ||
          HexValue(source_[pos_ + 1]) < 0) {
        return Fail(start, "bad escape: \\x needs two hex digits");
      }
      AppendUtf8(out, HexValue(source_[pos_]) * 16 + HexValue(source_[pos_ + 1]));
      pos_ += 2;
      return true;
    }
    case 'u': {
      auto read_unit = [&](uint32_t& unit) {
        if (pos_ < source_.size() && source_[pos_] == '{') {
          size_t p = pos_ + 1;
          uint32_t value = 0;
          int digits = 0;
          while (p < source_.size() && HexValue(source_[p]) >= 0 && digits < 7) {
            value = value * 16 + HexValue(source_[p++]);
            ++digits;
          }
          if (digits == 0 || p >= source_.size() || source_[p] != '}' || value > 0x10FFFF) {
            return false;
          }
          unit = value;
          pos_ = p + 1;
          return true;
        }
        if (pos_ + 4 > source_.size()) return false;
        uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
          int h = HexValue(source_[pos_ + i]);
          if (h < 0) return false;
          value = value * 16 + h;
        }
        unit = value;
        pos_ += 4;
        return true;
      };
      uint32_t unit = 0;
      if (!read_unit(unit)) return Fail(start, "bad escape: \\u needs four hex digits or {hex}");
      if (unit >= 0xD800 && unit <= 0xDBFF && pos_ + 1 < source_.size() && source_[pos_] == '\\' &&
          source_[pos_ + 1] == 'u') {
        const size_t save = pos_;
        pos_ += 2;
        uint32_t low = 0;
        if (read_unit(low) && low >= 0xDC00 && low <= 0xDFFF) {
          AppendUtf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
          return true;
        }
        pos_ = save;
      }
      AppendUtf8(out, unit);
      return true;
    }
    default:
      // Only the first byte of a character follows the backslash here: name it, do not quote it.
      if (!IsPrintableAscii(c)) {
        return Fail(start, "unknown escape in string: a backslash before " + ByteName(c));
      }
      return Fail(start, std::string("unknown escape '\\") + c + "' in string");
  }
}

}  // namespace flowhost::expr
