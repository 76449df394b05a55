// JSON text <-> sdk::Json, fast enough for the plugin boundary, where every item crosses as text
// both ways on every node execution.
//
// ParseJsonText is a hand-written RFC 8259 parser that builds nlohmann::json values directly (no
// SAX callbacks, no per-character token buffer). It gives the same value, with the same number
// types, as `Json::parse(text, nullptr, false)` for every text nlohmann accepts, and rejects what
// nlohmann rejects, with one deliberate difference: nesting deeper than `max_depth` is an error
// (nlohmann has no bound). The nlohmann rules it keeps:
//   - a non-negative integer is number_unsigned, a negative one (and "-0") number_integer; an
//     integer beyond 64 bits, a fraction or an exponent gives number_float; a float beyond double's
//     range is an error, one below it is 0;
//   - a repeated object key keeps its last value;
//   - strings must be valid UTF-8 without raw control characters; \uXXXX escapes must pair their
//     surrogates;
//   - one UTF-8 byte-order mark is skipped at the very start; whitespace around the value is
//     allowed, anything else after it is an error.
//
// AppendJsonText / JsonText write compact text, exactly `value.dump(-1, ' ', false,
// Json::error_handler_t::replace)` (invalid UTF-8 in a string becomes U+FFFD); they never throw.
//
// Thread-safety: pure functions; each call owns its work and returns (or appends to) the caller's
// value.
#ifndef FLOWHOST_SDK_JSON_TEXT_H_
#define FLOWHOST_SDK_JSON_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

// The deepest nesting of arrays and objects ParseJsonText accepts by default.
inline constexpr size_t kDefaultMaxJsonDepth = 512;

// Parses `text` as one JSON value. INVALID_ARGUMENT "at byte N: <what is wrong>" (N counts from 0)
// when it is not JSON or nests more than `max_depth` arrays and objects. Never throws; the depth
// bound keeps work and memory linear in the text without recursion.
absl::StatusOr<Json> ParseJsonText(std::string_view text, size_t max_depth = kDefaultMaxJsonDepth);

// Parses `text` when it is an array of arrays, `[[value, ...], ...]` (a node's input or output
// lists at the plugin boundary), building the two outer levels as vectors rather than as Json
// arrays. The same values, limits and errors as ParseJsonText (the two outer arrays count towards
// `max_depth`), except that a text of another shape is refused with a message saying what was
// expected where: ParseJsonText then tells whether it is JSON at all.
absl::StatusOr<std::vector<std::vector<Json>>> ParseJsonTextLists(
    std::string_view text, size_t max_depth = kDefaultMaxJsonDepth);

// Appends `value` as compact JSON text to `out`.
void AppendJsonText(const Json& value, std::string& out);

// `value` as compact JSON text.
std::string JsonText(const Json& value);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_JSON_TEXT_H_
