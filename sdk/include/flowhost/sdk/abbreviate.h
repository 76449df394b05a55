// Shortening text that a message quotes (a value, an upstream answer, a path) without breaking it:
// every message reaches callers in protobuf strings and JSON, which must be UTF-8.
// Thread-safety: pure function.
#ifndef FLOWHOST_SDK_ABBREVIATE_H_
#define FLOWHOST_SDK_ABBREVIATE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace flowhost::sdk {

// `text` when it has at most `max_bytes` bytes; otherwise its start, cut before any UTF-8 character
// the cut would split, then "...", in at most `max_bytes` bytes (`max_bytes` >= 3).
std::string Abbreviate(std::string_view text, size_t max_bytes);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_ABBREVIATE_H_
