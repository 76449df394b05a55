// UTF-8 validity of text from outside (workflow and configuration files, and what yaml-cpp makes
// of them). Every string flowhost holds is valid UTF-8: its JSON is dumped strictly in many places,
// and a string that is not would throw there.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_COMMON_UTF8_TEXT_H_
#define FLOWHOST_SERVER_COMMON_UTF8_TEXT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace flowhost::common {

// The offset of the first byte that is not valid UTF-8, or nullopt when `text` is valid UTF-8
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// yaml-cpp 0.7 (Debian 12's) decodes the double-quoted escapes \N and \_ to the single bytes 0x85
// and 0xA0 instead of U+0085 and U+00A0 in UTF-8, so a scalar read from valid UTF-8 text can come
// out invalid. Returns `text` with every byte that is not part of a valid UTF-8 sequence written
// as the UTF-8 of the code point of the same number (what those two escapes mean), or nullopt
// when `text` is valid UTF-8 already (the usual case: nothing is copied).
std::optional<std::string> RepairYamlCppEscapes(std::string_view text);

// `text` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD: for
// messages that quote a library's view of some text, such as nlohmann's "last read: '...'", which
// can end in the middle of a character.
std::string ReplaceInvalidUtf8(std::string_view text);

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_UTF8_TEXT_H_
