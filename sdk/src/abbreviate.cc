#include "flowhost/sdk/abbreviate.h"

namespace flowhost::sdk {

std::string Abbreviate(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  constexpr std::string_view kEllipsis = "...";
  size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // Back up over continuation bytes (10xxxxxx) to the start of the character the cut is in.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string shortened(text.substr(0, cut));
  shortened += kEllipsis;
  return shortened;
}

}  // namespace flowhost::sdk
