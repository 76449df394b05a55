// The byte scans JSON strings need, shared by the JSON text parser and writer (json_text.cc,
// json_text_writer.cc): runs of bytes that need no escape, and well-formed UTF-8 sequences.
//
// Private to flowhost_sdk. Thread-safety: pure functions.
#ifndef FLOWHOST_SDK_SRC_JSON_STRING_SCAN_H_
#define FLOWHOST_SDK_SRC_JSON_STRING_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace flowhost::sdk::json_scan {

// True for the bytes a string copies as they are: printable ASCII other than '"' and '\\'.
constexpr bool IsPlainStringByte(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

// Whether any of the 8 bytes in `word` is not a plain string byte (SWAR; exact for "any").
inline bool HasSpecialByte(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighs;
  return ((word & kHighs) | has_zero(word ^ (kOnes * '"')) | has_zero(word ^ (kOnes * '\\')) |
          below_space) != 0;
}

// The length of the well-formed UTF-8 sequence (Unicode table 3-7) that starts at `p` with a byte
// >= 0x80, or 0 when there is none.
inline size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  const size_t available = static_cast<size_t>(end - p);
  auto in = [](unsigned char c, unsigned char low, unsigned char high) {
    return c >= low && c <= high;
  };
  const unsigned char lead = p[0];
  if (in(lead, 0xC2, 0xDF)) return available >= 2 && in(p[1], 0x80, 0xBF) ? 2 : 0;
  if (in(lead, 0xE0, 0xEF)) {
    if (available < 3) return 0;
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned char high = lead == 0xED ? 0x9F : 0xBF;
    return in(p[1], low, high) && in(p[2], 0x80, 0xBF) ? 3 : 0;
  }
  if (in(lead, 0xF0, 0xF4)) {
    if (available < 4) return 0;
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
    return in(p[1], low, high) && in(p[2], 0x80, 0xBF) && in(p[3], 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// Advances `p` past the bytes that need no escape (see IsPlainStringByte), up to `end`.
inline const char* SkipPlainStringBytes(const char* p, const char* end) {
  while (end - p >= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof word);
    if (HasSpecialByte(word)) break;
    p += 8;
  }
  while (p != end && IsPlainStringByte(static_cast<unsigned char>(*p))) ++p;
  return p;
}

}  // namespace flowhost::sdk::json_scan

#endif  // FLOWHOST_SDK_SRC_JSON_STRING_SCAN_H_
