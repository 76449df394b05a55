#include "chunker.h"

#include <algorithm>

namespace textkit {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Byte offsets of the code points of `text`, plus text.size() at the end.
std::vector<size_t> CodePointStarts(std::string_view text) {
  std::vector<size_t> starts;
  starts.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(text.size());
  return starts;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The best code point index to end a chunk at in (begin, end]: after a paragraph break, a sentence
// end or a line break, a space, in that order of preference, in the window's second half and past
// `fresh` (so that the chunk holds something the previous one did not); `end` when there is none.
size_t BestCut(std::string_view text, const std::vector<size_t>& starts, size_t begin, size_t end,
               size_t fresh) {
  size_t earliest = std::max(begin + std::max<size_t>(1, (end - begin) / 2), fresh);
  auto scan = [&](auto is_cut) -> size_t {
    for (size_t i = end; i > earliest; --i) {
      if (is_cut(starts[i])) return i;
    }
    return 0;
  };
  auto at = [&](size_t byte, std::string_view what) {
    return byte >= what.size() && text.substr(byte - what.size(), what.size()) == what;
  };
  auto paragraph = [&](size_t byte) { return at(byte, "\n\n"); };
  auto sentence = [&](size_t byte) {
    if (byte >= text.size() || !IsSpace(text[byte])) return false;
    return at(byte, ".") || at(byte, "!") || at(byte, "?") || at(byte, "\n");
  };
  auto space = [&](size_t byte) { return byte < text.size() && IsSpace(text[byte]); };
  for (auto cut : {scan(paragraph), scan(sentence), scan(space)}) {
    if (cut != 0) return cut;
  }
  return end;
}

}  // namespace

std::vector<std::string> ChunkText(std::string_view text, const ChunkOptions& options) {
  std::vector<std::string> chunks;
  const std::vector<size_t> starts = CodePointStarts(text);
  const size_t length = starts.size() - 1;  // in code points
  const size_t size = std::max<size_t>(1, options.size);
  const size_t overlap = std::min(options.overlap, size - 1);
  size_t begin = 0;
  size_t fresh = 0;  // the first character no chunk has held yet (whitespace skipped)
  while (begin < length) {
    size_t end = std::min(length, begin + size);
    if (end < length) end = BestCut(text, starts, begin, end, fresh);
    std::string_view chunk = Trim(text.substr(starts[begin], starts[end] - starts[begin]));
    if (!chunk.empty()) chunks.emplace_back(chunk);
    if (end == length) break;
    fresh = end;
    while (fresh < length && IsSpace(text[starts[fresh]])) ++fresh;
    // The next chunk repeats up to `overlap` code points, starting at a word where one starts
    // inside the overlap, and always moves forward.
    size_t next = std::max(begin + 1, end > overlap ? end - overlap : 0);
    for (size_t i = next; i < end; ++i) {
      if (i > 0 && IsSpace(text[starts[i] - 1]) && !IsSpace(text[starts[i]])) {
        next = i;
        break;
      }
    }
    begin = next;
  }
  return chunks;
}

}  // namespace textkit
