#include "server/common/utf8_text.h"

#include <cstdint>

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

std::optional<std::string> RepairYamlCppEscapes(std::string_view text) {
  std::optional<size_t> bad = FindInvalidUtf8(text);
  if (!bad.has_value()) return std::nullopt;
  std::string repaired;
  repaired.reserve(text.size() + 8);
  while (bad.has_value()) {
    repaired.append(text.substr(0, *bad));
    const unsigned char byte = static_cast<unsigned char>(text[*bad]);
    repaired.push_back(static_cast<char>(0xC0 | (byte >> 6)));
    repaired.push_back(static_cast<char>(0x80 | (byte & 0x3F)));
    text.remove_prefix(*bad + 1);
    bad = FindInvalidUtf8(text);
  }
  repaired.append(text);
  return repaired;
}

}  // namespace flowhost::common
