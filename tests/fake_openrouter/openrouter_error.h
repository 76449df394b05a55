// Errors in OpenRouter's shape: `{"error": {"code": <int>, "message": "...", "metadata": {...}}}`,
// with the messages and metadata OpenRouter sends for each status a Behavior can script (402
// credits, 403 moderation with `reasons` and `flagged_input`, 408, 429 with Retry-After, 500, 502
// provider error with `provider_name` and `raw`, 503 no provider).
//
// Pure functions; safe from any thread.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_OPENROUTER_ERROR_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_OPENROUTER_ERROR_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "tests/fake_openrouter/behavior.h"
#include "tests/fake_openrouter/response_script.h"

namespace flowhost::fake_openrouter {

struct ErrorReply {
  int status = 500;
  nlohmann::ordered_json body;
  Headers headers;  // e.g. Retry-After
};

// `{"error": {"code": code, "message": message[, "metadata": metadata]}}`.
nlohmann::ordered_json ErrorBody(
    int code, std::string_view message,
    const std::optional<nlohmann::ordered_json>& metadata = std::nullopt);

// The error that `behavior` (whose status is >= 400) scripts for a request to `model`.
ErrorReply ScriptedError(const Behavior& behavior, std::string_view model,
                         std::string_view user_text);

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_OPENROUTER_ERROR_H_
