// Answers `POST /api/v1/chat/completions` the way OpenRouter does: checks the Bearer key, parses
// the request, picks the first known model of `model` + `models` that neither fails by script nor
// exceeds its context length (OpenRouter's server-side fallback), and plays the answer
// (non-streaming JSON or an SSE stream) under the request's Behavior. chat_answer.h documents the
// deterministic answer.
//
// Pure with respect to I/O: returns a script. Thread-safe given a per-thread `rng`.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_CHAT_HANDLER_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_CHAT_HANDLER_H_

#include <optional>
#include <random>
#include <string>

#include "tests/fake_openrouter/behavior.h"
#include "tests/fake_openrouter/fake_state.h"
#include "tests/fake_openrouter/http_request.h"
#include "tests/fake_openrouter/response_script.h"

namespace flowhost::fake_openrouter {

// `header_behavior` is the request's X-Fake-Behavior, if any. Sets `*requested_model` to the first
// requested model id (for the per-model counter), or leaves it empty.
ResponseScript HandleChat(const HttpRequest& request,
                          const std::optional<Behavior>& header_behavior, FakeState& state,
                          std::mt19937_64& rng, std::string* requested_model);

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_CHAT_HANDLER_H_
