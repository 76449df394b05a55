#include "server/expr/utf8.h"

namespace flowhost::expr {
namespace {

// The length in bytes of the code point starting at text[i] (1 for an invalid byte).
size_t SequenceLength(std::string_view text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  size_t length = 1;
  if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
  } else if (c >= 0xE0) {
    length = c <= 0xEF ? 3 : 1;
  } else if (c >= 0xC2) {
    length = 2;
  }
  if (i + length > text.size()) return 1;
  for (size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  }
  return length;
}

}  // namespace

size_t CodePointCount(std::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); i += SequenceLength(text, i)) ++count;
  return count;
}

size_t CodePointOffset(std::string_view text, size_t index) {
  size_t i = 0;
  for (size_t n = 0; n < index && i < text.size(); ++n) i += SequenceLength(text, i);
  return i;
}

std::vector<std::string> SplitCodePoints(std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    const size_t length = SequenceLength(text, i);
    out.emplace_back(text.substr(i, length));
    i += length;
  }
  return out;
}

}  // namespace flowhost::expr
