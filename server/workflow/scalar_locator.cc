#include "server/workflow/scalar_locator.h"

#include <algorithm>
#include <cstdint>

namespace flowhost::workflow {
namespace {

bool IsBreak(char c) { return c == '\n' || c == '\r'; }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

size_t SkipBreak(std::string_view text, size_t i) {
  if (i < text.size() && text[i] == '\r') ++i;
  if (i < text.size() && text[i] == '\n') ++i;
  return i;
}

size_t SkipBlanks(std::string_view text, size_t i) {
  while (i < text.size() && IsBlank(text[i])) ++i;
  return i;
}

size_t LineEnd(std::string_view text, size_t i) {
  while (i < text.size() && !IsBreak(text[i])) ++i;
  return i;
}

// The UTF-8 length of the code point written as `digits` hex digits at `i` (a YAML \x, \u or \U
// escape). yaml-cpp has already rejected malformed escapes, so this only has to be safe.
size_t EscapedUtf8Length(std::string_view text, size_t i, size_t digits) {
  uint32_t code_point = 0;
  for (size_t k = 0; k < digits && i + k < text.size(); ++k) {
    char c = text[i + k];
    uint32_t value = 0;
    if (c >= '0' && c <= '9') {
      value = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      value = static_cast<uint32_t>(c - 'A' + 10);
    }
    code_point = (code_point << 4) | value;
  }
  if (code_point < 0x80) return 1;
  if (code_point < 0x800) return 2;
  if (code_point < 0x10000) return 3;
  return 4;
}

// Plain, single- and double-quoted scalars: escapes, '' and line folding.
size_t FlowSourceOffset(std::string_view text, size_t start, ScalarStyle style,
                        size_t value_offset) {
  const size_t n = text.size();
  size_t i = style == ScalarStyle::kPlain ? start : start + 1;
  size_t produced_so_far = 0;
  while (i < n) {
    char c = text[i];
    if (style == ScalarStyle::kSingleQuoted && c == '\'') {
      if (i + 1 < n && text[i + 1] == '\'') {
        if (produced_so_far == value_offset) return i;
        ++produced_so_far;
        i += 2;
        continue;
      }
      return i;  // the closing quote: just past the value
    }
    if (style == ScalarStyle::kDoubleQuoted && c == '"') return i;
    if (style == ScalarStyle::kDoubleQuoted && c == '\\') {
      if (i + 1 >= n) return i;
      char escape = text[i + 1];
      if (IsBreak(escape)) {  // an escaped line break joins the lines
        i = SkipBlanks(text, SkipBreak(text, i + 1));
        continue;
      }
      size_t consumed = 2;
      size_t produced = 1;
      switch (escape) {
        case 'x':
          consumed = 4;
          produced = EscapedUtf8Length(text, i + 2, 2);
          break;
        case 'u':
          consumed = 6;
          produced = EscapedUtf8Length(text, i + 2, 4);
          break;
        case 'U':
          consumed = 10;
          produced = EscapedUtf8Length(text, i + 2, 8);
          break;
        case 'N':
        case '_':
          produced = 2;
          break;
        case 'L':
        case 'P':
          produced = 3;
          break;
        default:
          break;
      }
      if (value_offset < produced_so_far + produced) return i;
      produced_so_far += produced;
      i += consumed;
      continue;
    }
    if (IsBlank(c)) {
      size_t after = SkipBlanks(text, i);
      if (after < n && IsBreak(text[after])) {  // trailing white space is dropped by folding
        i = after;
        continue;
      }
      if (produced_so_far == value_offset) return i;
      ++produced_so_far;
      ++i;
      continue;
    }
    if (IsBreak(c)) {
      // A line break folds into one space; n following empty lines become n newlines.
      size_t next = SkipBreak(text, i);
      size_t empty_lines = 0;
      while (true) {
        next = SkipBlanks(text, next);
        if (next < n && IsBreak(text[next])) {
          ++empty_lines;
          next = SkipBreak(text, next);
        } else {
          break;
        }
      }
      size_t produced = empty_lines == 0 ? 1 : empty_lines;
      if (value_offset < produced_so_far + produced) return i;
      produced_so_far += produced;
      i = next;
      continue;
    }
    if (produced_so_far == value_offset) return i;
    ++produced_so_far;
    ++i;
  }
  return n;
}

struct BlockLine {
  size_t begin = 0;  // first byte of the line
  size_t end = 0;    // its line break (or the end of the text)
  size_t leading_spaces = 0;
  bool blank() const { return begin + leading_spaces >= end; }
};

BlockLine ReadLine(std::string_view text, size_t begin) {
  BlockLine line;
  line.begin = begin;
  line.end = LineEnd(text, begin);
  while (begin + line.leading_spaces < line.end && text[begin + line.leading_spaces] == ' ') {
    ++line.leading_spaces;
  }
  return line;
}

// A "normal" folded line: content that does not start with white space (such lines fold).
bool IsFoldable(const BlockLine& line, size_t indent) {
  return !line.blank() && line.leading_spaces == indent;
}

// Literal (|) and folded (>) blocks: lines after the header, minus the block's indentation.
size_t BlockSourceOffset(std::string_view text, size_t start, ScalarStyle style,
                         size_t value_offset) {
  const size_t n = text.size();
  size_t first = SkipBreak(text, LineEnd(text, start));  // past the header and its comment
  if (first >= n) return start;

  // The indentation is that of the first non-blank line.
  size_t indent = 0;
  bool found = false;
  for (size_t at = first; at < n;) {
    BlockLine line = ReadLine(text, at);
    if (!line.blank()) {
      indent = line.leading_spaces;
      found = true;
      break;
    }
    if (line.end >= n) break;
    at = SkipBreak(text, line.end);
  }
  if (!found) return start;

  size_t produced_so_far = 0;
  size_t at = first;
  size_t last_end = first;
  while (at < n) {
    BlockLine line = ReadLine(text, at);
    if (!line.blank() && line.leading_spaces < indent) break;  // the block ended
    size_t content = line.begin + std::min(line.leading_spaces, indent);
    size_t length = line.end > content ? line.end - content : 0;
    size_t break_bytes = 1;
    if (style == ScalarStyle::kFolded && IsFoldable(line, indent) && line.end < n) {
      // Followed by blank lines and then another foldable line: this break disappears and each
      // blank line becomes a newline. Followed directly by a foldable line: it becomes a space.
      size_t next = SkipBreak(text, line.end);
      BlockLine following = ReadLine(text, next);
      if (following.blank()) {
        while (following.blank() && following.end < n) {
          following = ReadLine(text, SkipBreak(text, following.end));
        }
        if (IsFoldable(following, indent)) break_bytes = 0;
      }
    }
    if (value_offset < produced_so_far + length) return content + (value_offset - produced_so_far);
    if (value_offset < produced_so_far + length + break_bytes) return line.end;
    produced_so_far += length + break_bytes;
    last_end = line.end;
    if (line.end >= n) break;
    at = SkipBreak(text, line.end);
  }
  return last_end;
}

}  // namespace

size_t SkipNodeProperties(std::string_view text, size_t offset) {
  size_t i = offset;
  while (i < text.size()) {
    char c = text[i];
    if (IsBlank(c) || IsBreak(c)) {
      ++i;
    } else if (c == '&' || c == '!') {
      while (i < text.size() && !IsBlank(text[i]) && !IsBreak(text[i])) ++i;
    } else {
      break;
    }
  }
  return std::min(i, text.size());
}

ScalarStyle StyleAt(std::string_view text, size_t offset) {
  if (offset >= text.size()) return ScalarStyle::kPlain;
  switch (text[offset]) {
    case '"':
      return ScalarStyle::kDoubleQuoted;
    case '\'':
      return ScalarStyle::kSingleQuoted;
    case '|':
      return ScalarStyle::kLiteral;
    case '>':
      return ScalarStyle::kFolded;
    default:
      return ScalarStyle::kPlain;
  }
}

size_t ScalarSourceOffset(std::string_view text, size_t start, ScalarStyle style,
                          size_t value_offset) {
  if (start >= text.size()) return text.size();
  if (style == ScalarStyle::kLiteral || style == ScalarStyle::kFolded) {
    return BlockSourceOffset(text, start, style, value_offset);
  }
  return FlowSourceOffset(text, start, style, value_offset);
}

std::optional<size_t> QuotedScalarEnd(std::string_view text, size_t start, ScalarStyle style) {
  char quote = style == ScalarStyle::kSingleQuoted ? '\'' : '"';
  for (size_t i = start + 1; i < text.size(); ++i) {
    char c = text[i];
    if (style == ScalarStyle::kDoubleQuoted && c == '\\') {
      ++i;
    } else if (c == quote) {
      if (style == ScalarStyle::kSingleQuoted && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return std::nullopt;
}

}  // namespace flowhost::workflow
