#include "server/common/utf8_text.h"

#include <cstdint>
#include <utility>

namespace flowhost::common {

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    uint32_t code_point = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return i;
    }
    i += length;
  }
  return std::nullopt;
}

namespace {

// `text` with `replace(byte, out)` appending what stands for each byte that is not part of a valid
// UTF-8 sequence; nullopt when there is none.
template <typename Replace>
std::optional<std::string> RewriteInvalidBytes(std::string_view text, Replace replace) {
  std::optional<size_t> bad = FindInvalidUtf8(text);
  if (!bad.has_value()) return std::nullopt;
  std::string rewritten;
  rewritten.reserve(text.size() + 8);
  while (bad.has_value()) {
    rewritten.append(text.substr(0, *bad));
    replace(static_cast<unsigned char>(text[*bad]), rewritten);
    text.remove_prefix(*bad + 1);
    bad = FindInvalidUtf8(text);
  }
  rewritten.append(text);
  return rewritten;
}

}  // namespace

std::optional<std::string> RepairYamlCppEscapes(std::string_view text) {
  return RewriteInvalidBytes(text, [](unsigned char byte, std::string& out) {
    out.push_back(static_cast<char>(0xC0 | (byte >> 6)));
    out.push_back(static_cast<char>(0x80 | (byte & 0x3F)));
  });
}

std::string ReplaceInvalidUtf8(std::string_view text) {
  std::optional<std::string> replaced =
      RewriteInvalidBytes(text, [](unsigned char, std::string& out) { out.append("\uFFFD"); });
  return replaced.has_value() ? *std::move(replaced) : std::string(text);
}

}  // namespace flowhost::common
