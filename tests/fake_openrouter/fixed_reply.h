// Turns a complete JSON answer (a completion, the catalogue, an error) into a ResponseScript that
// obeys a Behavior: latency first, then hang, malformed (the body cut in half), oversized (the JSON
// object padded with a "padding" string to the requested size), a slow drip (token_delay_ms before
// each of `chunks` pieces of the body) and reset-after-bytes.
//
// Pure functions; safe from any thread.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_FIXED_REPLY_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_FIXED_REPLY_H_

#include <cstdint>
#include <random>
#include <string>

#include "tests/fake_openrouter/behavior.h"
#include "tests/fake_openrouter/http_request.h"
#include "tests/fake_openrouter/response_script.h"

namespace flowhost::fake_openrouter {

// The answer's status, body and extra headers, before the behavior is applied.
struct FixedAnswer {
  int status = 200;
  std::string body;
  Headers headers;
};

ResponseScript FixedReply(const HttpRequest& request, FixedAnswer answer, const Behavior& behavior,
                          int64_t latency_ms);

// The delay for a request: the server's base latency, plus the behavior's latency_ms, plus a random
// extra in [0, latency_jitter_ms] drawn from `rng`.
int64_t TotalLatency(const Behavior& behavior, int64_t base_ms, std::mt19937_64& rng);

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_FIXED_REPLY_H_
