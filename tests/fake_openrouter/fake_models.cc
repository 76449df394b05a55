#include "tests/fake_openrouter/fake_models.h"

#include <charconv>
#include <string>

namespace flowhost::fake_openrouter {
namespace {

constexpr std::string_view kPrefix = "fake/";
constexpr int64_t kContextLength = 32768;
constexpr int kFailStatuses[] = {402, 403, 408, 429, 500, 502, 503};

// Parses a whole string as a non-negative decimal number.
std::optional<int64_t> ParseNumber(std::string_view text) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

// The behavior for the part of the id after "fake/", or nullopt when the name is not built in.
std::optional<Behavior> BehaviorFor(std::string_view name) {
  Behavior b;
  if (name == "ok" || name == "reasoning" || name == "tiny-context" || name == "scripted") return b;
  if (name == "slow") {
    b.latency_ms = 1000;
    return b;
  }
  if (name.substr(0, 5) == "slow-") {
    std::optional<int64_t> ms = ParseNumber(name.substr(5));
    if (!ms) return std::nullopt;
    b.latency_ms = *ms;
    return b;
  }
  if (name.substr(0, 4) == "fail") {
    std::optional<int64_t> status = ParseNumber(name.substr(4));
    if (!status) return std::nullopt;
    for (int known : kFailStatuses) {
      if (known != *status) continue;
      b.status = known;
      if (known == 429) b.retry_after = "1";
      return b;
    }
    return std::nullopt;
  }
  if (name == "malformed") {
    b.malformed = true;
    return b;
  }
  if (name == "hang") {
    b.hang = HangMode::kNothing;
    return b;
  }
  if (name == "hang-headers") {
    b.hang = HangMode::kHeaders;
    return b;
  }
  if (name == "stream-error") {
    b.stream_error_after_chunks = 2;
    return b;
  }
  if (name == "reset") {
    b.reset_after_bytes = 32;
    return b;
  }
  if (name == "oversized") {
    b.oversized_bytes = 8 * 1024 * 1024;
    return b;
  }
  if (name == "drip") {
    b.token_delay_ms = 100;
    b.chunks = 10;
    return b;
  }
  return std::nullopt;
}

}  // namespace

std::optional<FakeModel> FindFakeModel(std::string_view id) {
  if (id.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view name = id.substr(kPrefix.size());
  std::optional<Behavior> behavior = BehaviorFor(name);
  if (!behavior) return std::nullopt;
  FakeModel model;
  model.info.id = std::string(id);
  model.info.context_length = name == "tiny-context" ? 64 : kContextLength;
  model.info.reasoning = name == "reasoning";
  model.behavior = *behavior;
  return model;
}

}  // namespace flowhost::fake_openrouter
