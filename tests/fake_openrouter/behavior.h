// A Behavior scripts what the fake OpenRouter does with one request instead of (or on top of)
// answering normally: latency, an error status, a malformed or oversized body, a broken or
// never-ending connection, a slow token drip. Behaviors come from three places, later ones
// overriding earlier ones field by field: the built-in `fake/*` model ids (fake_models.h), the
// control endpoint's rules (rule_book.h) and the per-request `X-Fake-Behavior` header. README.md
// documents every field.
//
// A Behavior is a plain value; parse it once, copy it freely. Thread-compatible.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_BEHAVIOR_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_BEHAVIOR_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace flowhost::fake_openrouter {

// How a hanging response hangs.
enum class HangMode {
  kNothing,  // send nothing at all, never finish
  kHeaders,  // send the response head (and nothing of the body), never finish
};

struct Behavior {
  std::optional<int64_t> latency_ms;  // delay before the answer (streams: before the first token)
  std::optional<int64_t> latency_jitter_ms;  // random extra delay in [0, jitter], seeded
  std::optional<int> status;  // an HTTP status; >= 400 answers an OpenRouter error body
  std::optional<std::string> retry_after;  // Retry-After header value (seconds or an HTTP-date)
  std::optional<std::string> message;      // error message override
  std::optional<nlohmann::json> metadata;  // merged over the error's default metadata
  // Why a 403 refuses: "moderation" (the default), "guardrail", "budget", "data_policy" or "key".
  std::optional<std::string> forbidden;
  std::optional<bool> malformed;  // 200 with invalid JSON
  std::optional<int64_t>
      stream_error_after_chunks;  // mid-stream error event after N content chunks
  std::optional<nlohmann::json>
      stream_error_code;                     // the error event's code: "server_error" or a number
  std::optional<int64_t> reset_after_bytes;  // send this many body bytes, then reset the connection
  std::optional<HangMode> hang;              // never finish the response
  std::optional<int64_t> oversized_bytes;    // a 200 body of (at least) this many bytes
  std::optional<int64_t> token_delay_ms;     // delay between streamed chunks
  std::optional<int64_t> chunks;             // number of content chunks in a stream
  std::optional<std::string> content;        // answer text override

  // True when this behavior makes the request fail with an error status.
  bool IsError() const { return status.has_value() && *status >= 400; }
};

// Parses a behavior object. Unknown keys and wrong types are errors (InvalidArgument), so a typo in
// a test's script fails loudly instead of silently doing nothing.
absl::StatusOr<Behavior> ParseBehavior(const nlohmann::json& object);

// Returns `base` with every field that `top` sets replaced by `top`'s value.
Behavior Overlay(Behavior base, const Behavior& top);

// Returns the behavior as JSON (only the fields that are set), for listing rules.
nlohmann::json BehaviorToJson(const Behavior& behavior);

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_BEHAVIOR_H_
