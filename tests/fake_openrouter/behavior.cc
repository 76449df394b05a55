#include "tests/fake_openrouter/behavior.h"

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::json;

absl::Status BadField(std::string_view key, std::string_view want) {
  return absl::InvalidArgumentError(
      absl::StrCat("behavior field \"", std::string(key), "\" must be ", std::string(want)));
}

absl::Status ReadCount(const Json& value, std::string_view key, std::optional<int64_t>* out) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0) {
    return BadField(key, "a non-negative integer");
  }
  *out = value.get<int64_t>();
  return absl::OkStatus();
}

absl::Status ReadString(const Json& value, std::string_view key, std::optional<std::string>* out) {
  if (!value.is_string()) return BadField(key, "a string");
  *out = value.get<std::string>();
  return absl::OkStatus();
}

absl::Status ReadField(std::string_view key, const Json& value, Behavior* b) {
  if (key == "latency_ms") return ReadCount(value, key, &b->latency_ms);
  if (key == "latency_jitter_ms") return ReadCount(value, key, &b->latency_jitter_ms);
  if (key == "stream_error_after_chunks")
    return ReadCount(value, key, &b->stream_error_after_chunks);
  if (key == "reset_after_bytes") return ReadCount(value, key, &b->reset_after_bytes);
  if (key == "oversized_bytes") return ReadCount(value, key, &b->oversized_bytes);
  if (key == "token_delay_ms") return ReadCount(value, key, &b->token_delay_ms);
  if (key == "chunks") {
    absl::Status status = ReadCount(value, key, &b->chunks);
    if (status.ok() && *b->chunks == 0) return BadField(key, "at least 1");
    return status;
  }
  if (key == "message") return ReadString(value, key, &b->message);
  if (key == "content") return ReadString(value, key, &b->content);
  if (key == "forbidden") {
    for (const char* kind : {"moderation", "guardrail", "budget", "data_policy", "key"}) {
      if (value.is_string() && value.get<std::string>() == kind) {
        b->forbidden = value.get<std::string>();
        return absl::OkStatus();
      }
    }
    return BadField(key, "\"moderation\", \"guardrail\", \"budget\", \"data_policy\" or \"key\"");
  }
  if (key == "status") {
    if (!value.is_number_integer() || value.get<int64_t>() < 200 || value.get<int64_t>() > 599) {
      return BadField(key, "an HTTP status between 200 and 599");
    }
    b->status = value.get<int>();
    return absl::OkStatus();
  }
  if (key == "retry_after") {
    // Accept a number of seconds for convenience; the header carries its text.
    if (value.is_number_integer()) {
      b->retry_after = std::to_string(value.get<int64_t>());
      return absl::OkStatus();
    }
    return ReadString(value, key, &b->retry_after);
  }
  if (key == "metadata") {
    if (!value.is_object()) return BadField(key, "an object");
    b->metadata = value;
    return absl::OkStatus();
  }
  if (key == "malformed") {
    if (!value.is_boolean()) return BadField(key, "a boolean");
    b->malformed = value.get<bool>();
    return absl::OkStatus();
  }
  if (key == "stream_error_code") {
    if (!value.is_string() && !value.is_number_integer())
      return BadField(key, "a string or integer");
    b->stream_error_code = value;
    return absl::OkStatus();
  }
  if (key == "hang") {
    if (value.is_boolean()) {
      if (value.get<bool>()) b->hang = HangMode::kNothing;
      return absl::OkStatus();
    }
    if (value.is_string() && value.get<std::string>() == "nothing") {
      b->hang = HangMode::kNothing;
      return absl::OkStatus();
    }
    if (value.is_string() && value.get<std::string>() == "headers") {
      b->hang = HangMode::kHeaders;
      return absl::OkStatus();
    }
    return BadField(key, "true, \"nothing\" or \"headers\"");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown behavior field \"", std::string(key), "\""));
}

template <typename T>
void Take(const std::optional<T>& top, std::optional<T>* base) {
  if (top.has_value()) *base = top;
}

}  // namespace

absl::StatusOr<Behavior> ParseBehavior(const Json& object) {
  if (!object.is_object()) return absl::InvalidArgumentError("a behavior must be a JSON object");
  Behavior behavior;
  for (auto it = object.begin(); it != object.end(); ++it) {
    absl::Status status = ReadField(it.key(), it.value(), &behavior);
    if (!status.ok()) return status;
  }
  return behavior;
}

Behavior Overlay(Behavior base, const Behavior& top) {
  Take(top.latency_ms, &base.latency_ms);
  Take(top.latency_jitter_ms, &base.latency_jitter_ms);
  Take(top.status, &base.status);
  Take(top.retry_after, &base.retry_after);
  Take(top.message, &base.message);
  Take(top.metadata, &base.metadata);
  Take(top.forbidden, &base.forbidden);
  Take(top.malformed, &base.malformed);
  Take(top.stream_error_after_chunks, &base.stream_error_after_chunks);
  Take(top.stream_error_code, &base.stream_error_code);
  Take(top.reset_after_bytes, &base.reset_after_bytes);
  Take(top.hang, &base.hang);
  Take(top.oversized_bytes, &base.oversized_bytes);
  Take(top.token_delay_ms, &base.token_delay_ms);
  Take(top.chunks, &base.chunks);
  Take(top.content, &base.content);
  return base;
}

Json BehaviorToJson(const Behavior& b) {
  Json out = Json::object();
  if (b.latency_ms) out["latency_ms"] = *b.latency_ms;
  if (b.latency_jitter_ms) out["latency_jitter_ms"] = *b.latency_jitter_ms;
  if (b.status) out["status"] = *b.status;
  if (b.retry_after) out["retry_after"] = *b.retry_after;
  if (b.message) out["message"] = *b.message;
  if (b.metadata) out["metadata"] = *b.metadata;
  if (b.forbidden) out["forbidden"] = *b.forbidden;
  if (b.malformed) out["malformed"] = *b.malformed;
  if (b.stream_error_after_chunks) out["stream_error_after_chunks"] = *b.stream_error_after_chunks;
  if (b.stream_error_code) out["stream_error_code"] = *b.stream_error_code;
  if (b.reset_after_bytes) out["reset_after_bytes"] = *b.reset_after_bytes;
  if (b.hang) out["hang"] = *b.hang == HangMode::kHeaders ? "headers" : "nothing";
  if (b.oversized_bytes) out["oversized_bytes"] = *b.oversized_bytes;
  if (b.token_delay_ms) out["token_delay_ms"] = *b.token_delay_ms;
  if (b.chunks) out["chunks"] = *b.chunks;
  if (b.content) out["content"] = *b.content;
  return out;
}

}  // namespace flowhost::fake_openrouter
