// Splitting a long text into overlapping chunks that fit a model's context or an embedding
// model's input, cutting at the most natural place inside each window: a paragraph break, then the
// end of a sentence or a line, then a space, and only as a last resort inside a word. Sizes count
// Unicode code points (UTF-8 is never cut inside a character).
//
// Thread-safety: a pure function.
#ifndef TEXTKIT_CHUNKER_H_
#define TEXTKIT_CHUNKER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace textkit {

struct ChunkOptions {
  size_t size = 1000;   // at most this many code points per chunk (>= 1)
  size_t overlap = 0;   // code points the next chunk repeats from the end of this one (< size)
};

// The chunks of `text`, each trimmed of surrounding whitespace; none for a text that is empty or
// only whitespace. Requires options.size >= 1 and options.overlap < options.size.
std::vector<std::string> ChunkText(std::string_view text, const ChunkOptions& options);

}  // namespace textkit

#endif  // TEXTKIT_CHUNKER_H_
