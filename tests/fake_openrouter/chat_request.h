// The parts of an OpenRouter chat completion request (`POST /api/v1/chat/completions`) the fake
// reads, parsed once from the body: candidate models (`model`, then the `models` fallback list),
// streaming, the message text (for the deterministic answer and the token estimate), response
// format, tools and reasoning.
//
// Token counts are estimated as ceil(characters / 4), characters being UTF-8 code points.
// Pure functions; safe from any thread.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_CHAT_REQUEST_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_CHAT_REQUEST_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace flowhost::fake_openrouter {

struct ChatRequest {
  std::vector<std::string> models;  // `model` first (if given), then `models`, without repeats
  bool stream = false;
  std::string last_user_text;         // text of the last message whose role is "user"
  std::string user;                   // the `user` field ("" when absent)
  int64_t prompt_chars = 0;           // characters of all messages' text
  std::optional<int64_t> max_tokens;  // `max_tokens` or `max_completion_tokens`
  bool json_response = false;         // response_format is json_object or json_schema
  bool reasoning_requested = false;   // `reasoning` (not disabled) or `include_reasoning: true`
  std::optional<nlohmann::json> first_tool;  // the `function` object of the first tool
};

// Parses a request body. InvalidArgument, with OpenRouter's wording where it has one, for a body
// that is not JSON, not an object, or has no messages.
absl::StatusOr<ChatRequest> ParseChatRequest(std::string_view body);

// Number of UTF-8 code points in `text`.
int64_t CountChars(std::string_view text);

// The token estimate for a text of `chars` characters: ceil(chars / 4).
inline int64_t EstimateTokens(int64_t chars) { return (chars + 3) / 4; }

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_CHAT_REQUEST_H_
