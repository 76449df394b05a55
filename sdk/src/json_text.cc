#include "flowhost/sdk/json_text.h"

#include <locale.h>
#include <stdlib.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "json_string_scan.h"

namespace flowhost::sdk {
namespace {

using value_t = Json::value_t;

bool IsWhitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void AppendUtf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// strtod in the "C" locale, for the rare number std::from_chars calls out of range: nlohmann takes
// strtod's answer (0 for an underflow, an error for infinity).
double StrtodInCLocale(std::string_view number) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", locale_t{});
  const std::string copy(number);
  return strtod_l(copy.c_str(), nullptr, c_locale);
}

// One parse of one text. Values are built in place: `target` is where the next value goes, and
// `open_` holds the arrays and objects still open, innermost last. A pointer into a container stays
// valid while it is open because only the innermost open container grows.
class Parser {
 public:
  Parser(std::string_view text, size_t max_depth)
      : begin_(text.data()),
        p_(text.data()),
        end_(text.data() + text.size()),
        max_depth_(max_depth) {}

  // The whole text as one value.
  absl::StatusOr<Json> Parse() {
    SkipByteOrderMark();
    Json root;
    if (!ParseValue(root, 0)) return Failed();
    return End(std::move(root));
  }

  // The whole text as `[[value, ...], ...]`, the outer two arrays built as vectors, not as Json.
  // False, without saying why, when the text is not that shape: the caller finds out whether it
  // is JSON at all.
  absl::StatusOr<std::vector<std::vector<Json>>> ParseLists() {
    SkipByteOrderMark();
    std::vector<std::vector<Json>> lists;
    if (!Expect('[')) return Failed();
    if (!Close(']')) {
      do {
        if (!Expect('[')) return Failed();
        std::vector<Json>& list = lists.emplace_back();
        if (Close(']')) continue;
        do {
          if (!ParseValue(list.emplace_back(), 2)) return Failed();
        } while (Next(']'));
        if (!error_.empty()) return Failed();
      } while (Next(']'));
      if (!error_.empty()) return Failed();
    }
    return End(std::move(lists));
  }

 private:
  void SkipByteOrderMark() {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  }

  // After a complete value: only whitespace may follow.
  template <typename Value>
  absl::StatusOr<Value> End(Value value) {
    SkipWhitespace();
    if (p_ != end_) return Error("unexpected text after the value");
    return value;
  }

  // `c` after optional whitespace.
  bool Expect(char c) {
    SkipWhitespace();
    if (p_ != end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return Fail(absl::StrCat("expected '", absl::string_view(&c, 1), "'"));
  }
  // The closing `c` of an array just opened (true), or its first element (false).
  bool Close(char c) {
    SkipWhitespace();
    if (p_ != end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  // After an element: ',' (true, another element follows) or the closing `c` (false). Anything else
  // is an error (false, with error_ set).
  bool Next(char c) {
    SkipWhitespace();
    if (p_ != end_ && *p_ == ',') {
      ++p_;
      return true;
    }
    if (p_ != end_ && *p_ == c) {
      ++p_;
      return false;
    }
    Fail(absl::StrCat("expected ',' or '", absl::string_view(&c, 1), "'"));
    return false;
  }

  // One value at p_ into `root`, inside `depth` containers already open; p_ ends right after it.
  bool ParseValue(Json& root, size_t depth) {
    Json* target = &root;
    for (;;) {
      // A value, or the start of a non-empty container whose first slot becomes the target.
      SkipWhitespace();
      if (p_ == end_) return Fail("expected a value, found the end of the text");
      const char c = *p_;
      if (c == '[' || c == '{') {
        if (depth + open_.size() >= max_depth_) {
          return Fail(absl::StrCat("arrays and objects nest deeper than ", max_depth_));
        }
        ++p_;
        SkipWhitespace();
        if (c == '[') {
          *target = Json(value_t::array);
          if (p_ == end_ || *p_ != ']') {
            open_.push_back(target);
            target = &target->get_ref<Json::array_t&>().emplace_back();
            continue;
          }
        } else {
          *target = Json(value_t::object);
          if (p_ == end_ || *p_ != '}') {
            open_.push_back(target);
            target = MemberSlot(*target);
            if (target == nullptr) return false;
            continue;
          }
        }
        ++p_;  // the empty container's ']' or '}'
      } else if (!ParseScalar(*target)) {
        return false;
      }

      // The value is complete: close containers until one takes another element.
      for (target = nullptr; target == nullptr;) {
        if (open_.empty()) return true;
        SkipWhitespace();
        Json& container = *open_.back();
        const bool is_array = container.is_array();
        if (p_ == end_) {
          return Fail(is_array ? "expected ',' or ']', found the end of the text"
                               : "expected ',' or '}', found the end of the text");
        }
        if (*p_ == ',') {
          ++p_;
          if (is_array) {
            target = &container.get_ref<Json::array_t&>().emplace_back();
          } else {
            SkipWhitespace();
            target = MemberSlot(container);
            if (target == nullptr) return false;
          }
        } else if (*p_ == (is_array ? ']' : '}')) {
          ++p_;
          open_.pop_back();
        } else {
          return Fail(is_array ? "expected ',' or ']' after an array element"
                               : "expected ',' or '}' after an object member");
        }
      }
    }
  }

  void SkipWhitespace() {
    while (p_ != end_ && IsWhitespace(*p_)) ++p_;
  }

  // Records the first error at the current position; returns false for `return Fail(...)`.
  bool Fail(std::string_view what) {
    if (error_.empty()) error_ = absl::StrCat("at byte ", p_ - begin_, ": ", AsAbsl(what));
    return false;
  }
  absl::Status Failed() const { return absl::InvalidArgumentError(error_); }
  absl::Status Error(std::string_view what) {
    Fail(what);
    return Failed();
  }

  // Parses `"key" :` (whitespace before the key already skipped) and returns the object's slot for
  // the key, which the value then overwrites (so a repeated key keeps its last value); null on
  // error.
  Json* MemberSlot(Json& object) {
    if (p_ == end_ || *p_ != '"') {
      Fail("expected a '\"' to start an object key");
      return nullptr;
    }
    std::string key;
    if (!ParseString(key)) return nullptr;
    SkipWhitespace();
    if (p_ == end_ || *p_ != ':') {
      Fail("expected ':' after an object key");
      return nullptr;
    }
    ++p_;
    // Keys usually come sorted (nlohmann writes them so): hinted at the end, most insertions then
    // compare once. A repeated key gives back its slot.
    Json::object_t& members = object.get_ref<Json::object_t&>();
    return &members.emplace_hint(members.end(), std::move(key), nullptr)->second;
  }

  bool ParseScalar(Json& out) {
    switch (*p_) {
      case '"':
        out = Json(value_t::string);
        return ParseString(out.get_ref<Json::string_t&>());
      case 't':
        return ParseLiteral("true", true, out);
      case 'f':
        return ParseLiteral("false", false, out);
      case 'n':
        return ParseLiteral("null", nullptr, out);
      default:
        if (*p_ == '-' || IsDigit(*p_)) return ParseNumber(out);
        return Fail("expected a value");
    }
  }

  bool ParseLiteral(std::string_view word, Json value, Json& out) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return Fail(absl::StrCat("expected '", AsAbsl(word), "'"));
    }
    p_ += word.size();
    out = std::move(value);
    return true;
  }

  // A string from its opening '"'; plain runs are appended whole.
  bool ParseString(std::string& out) {
    ++p_;
    const char* run = p_;
    for (;;) {
      p_ = json_scan::SkipPlainStringBytes(p_, end_);
      if (p_ == end_) return Fail("unterminated string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.append(run, p_);
        ++p_;
        return true;
      }
      if (c == '\\') {
        out.append(run, p_);
        if (!ParseEscape(out)) return false;
        run = p_;
      } else if (c < 0x20) {
        return Fail(absl::StrCat("control character U+00", absl::Hex(c, absl::kZeroPad2),
                                 " must be escaped in a string"));
      } else {
        const size_t length =
            json_scan::Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p_),
                                          reinterpret_cast<const unsigned char*>(end_));
        if (length == 0) return Fail("invalid UTF-8 in a string");
        p_ += length;
      }
    }
  }

  // An escape from its '\\'.
  bool ParseEscape(std::string& out) {
    ++p_;
    if (p_ == end_) return Fail("unterminated string");
    switch (*p_++) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        --p_;
        return Fail("invalid escape in a string");
    }
    uint32_t code_point;
    if (!ParseHex4(code_point)) return false;
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
      uint32_t low;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
        return Fail("a \\u escape of a high surrogate must be followed by a low surrogate");
      }
      p_ += 2;
      if (!ParseHex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) {
        return Fail("a \\u escape of a high surrogate must be followed by a low surrogate");
      }
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
    } else if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
      return Fail("a \\u escape of a low surrogate must follow a high surrogate");
    }
    AppendUtf8(code_point, out);
    return true;
  }

  bool ParseHex4(uint32_t& value) {
    value = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      if (p_ == end_) return Fail("a \\u escape needs four hex digits");
      const char c = *p_;
      uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return Fail("a \\u escape needs four hex digits");
      }
      value = value * 16 + digit;
    }
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, typed as nlohmann types it.
  bool ParseNumber(Json& out) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return Fail("expected a digit");
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && IsDigit(*p_)) ++p_;
    }
    bool is_float = false;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return Fail("expected a digit after '.'");
      while (p_ != end_ && IsDigit(*p_)) ++p_;
      is_float = true;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return Fail("expected a digit in the exponent");
      while (p_ != end_ && IsDigit(*p_)) ++p_;
      is_float = true;
    }
    if (!is_float) {
      // Integers beyond 64 bits fall through to double, as in nlohmann.
      if (negative) {
        int64_t value;
        if (std::from_chars(start, p_, value).ec == std::errc()) {
          out = value;
          return true;
        }
      } else {
        uint64_t value;
        if (std::from_chars(start, p_, value).ec == std::errc()) {
          out = value;
          return true;
        }
      }
    }
    double value;
    const std::from_chars_result result = std::from_chars(start, p_, value);
    if (result.ec == std::errc::result_out_of_range) {
      value = StrtodInCLocale(std::string_view(start, p_ - start));
    } else if (result.ec != std::errc() || result.ptr != p_) {
      return Fail("malformed number");  // unreachable: the grammar was checked above
    }
    if (!std::isfinite(value)) {
      p_ = start;
      return Fail("number beyond the range of a double");
    }
    out = value;
    return true;
  }

  const char* const begin_;
  const char* p_;
  const char* const end_;
  const size_t max_depth_;
  absl::InlinedVector<Json*, 16> open_;  // no allocation for the usual shallow item
  std::string error_;
};

}  // namespace

absl::StatusOr<Json> ParseJsonText(std::string_view text, size_t max_depth) {
  return Parser(text, max_depth).Parse();
}

absl::StatusOr<std::vector<std::vector<Json>>> ParseJsonTextLists(std::string_view text,
                                                                  size_t max_depth) {
  return Parser(text, max_depth).ParseLists();
}

}  // namespace flowhost::sdk
