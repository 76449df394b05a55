#include "tests/fake_openrouter/fixed_reply.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"

namespace flowhost::fake_openrouter {

int64_t TotalLatency(const Behavior& behavior, int64_t base_ms, std::mt19937_64& rng) {
  int64_t total = base_ms + behavior.latency_ms.value_or(0);
  if (behavior.latency_jitter_ms.value_or(0) > 0) {
    std::uniform_int_distribution<int64_t> jitter(0, *behavior.latency_jitter_ms);
    total += jitter(rng);
  }
  return total;
}

ResponseScript FixedReply(const HttpRequest& request, FixedAnswer answer, const Behavior& behavior,
                          int64_t latency_ms) {
  ScriptBuilder builder(request);
  if (behavior.reset_after_bytes.has_value()) {
    builder.ResetAfterBodyBytes(*behavior.reset_after_bytes);
  }
  if (behavior.hang == HangMode::kNothing) {
    builder.Hang();
    ResponseScript script = builder.Finish();
    script.status = answer.status;
    return script;
  }
  builder.Wait(latency_ms);

  std::string& body = answer.body;
  if (behavior.malformed.value_or(false)) {
    // A strict prefix of a JSON object is never valid JSON.
    body = body.size() < 2 ? std::string("{") : body.substr(0, body.size() / 2);
  }
  std::string suffix;
  int64_t filler = 0;
  if (behavior.oversized_bytes.has_value()) {
    while (!body.empty() && (body.back() == '\n' || body.back() == ' ' || body.back() == '\r')) {
      body.pop_back();
    }
  }
  if (behavior.oversized_bytes.has_value() && !body.empty() && body.back() == '}') {
    // {...} becomes {...,"padding":"xxx...x"} of exactly the requested size when it fits.
    body.pop_back();
    body.append(body.size() > 1 ? ",\"padding\":\"" : "\"padding\":\"");
    suffix = "\"}";
    int64_t fixed = static_cast<int64_t>(body.size() + suffix.size());
    filler = *behavior.oversized_bytes > fixed ? *behavior.oversized_bytes - fixed : 0;
  }
  int64_t length = static_cast<int64_t>(body.size() + suffix.size()) + filler;
  builder.StartFixed(answer.status, "application/json", length, answer.headers);
  if (behavior.hang == HangMode::kHeaders) {
    builder.Hang();
    return builder.Finish();
  }
  const int64_t delay = behavior.token_delay_ms.value_or(0);
  if (delay > 0 && !body.empty()) {
    // A slow drip: the body in `chunks` pieces, each after the delay.
    const size_t pieces = static_cast<size_t>(std::max<int64_t>(1, behavior.chunks.value_or(4)));
    const size_t step = (body.size() + pieces - 1) / pieces;
    for (size_t at = 0; at < body.size(); at += step) {
      builder.Wait(delay);
      builder.Body(std::string_view(body).substr(at, step));
    }
  } else {
    builder.Body(body);
  }
  builder.Filler(filler);
  builder.Body(suffix);
  ResponseScript script = builder.Finish();
  for (const auto& [name, value] : answer.headers) {
    int64_t seconds = 0;
    if (name == "Retry-After" && absl::SimpleAtoi(value, &seconds) && seconds > 0) {
      script.retry_after_window_ms = latency_ms + seconds * 1000;
    }
  }
  return script;
}

}  // namespace flowhost::fake_openrouter
