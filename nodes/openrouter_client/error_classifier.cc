#include "nodes/openrouter_client/error_classifier.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/retry.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::AsAbsl;
using sdk::Json;
namespace ec = sdk::error_class;

// Phrases OpenRouter and its providers use when the prompt does not fit the model.
bool SaysContextLength(std::string_view message) {
  std::string lower = absl::AsciiStrToLower(AsAbsl(message));
  for (const char* phrase :
       {"context length", "context_length", "context window", "maximum context", "too many tokens",
        "prompt is too long", "reduce the length"}) {
    if (absl::StrContains(lower, phrase)) return true;
  }
  return false;
}

bool SaysUnknownModel(std::string_view message) {
  std::string lower = absl::AsciiStrToLower(AsAbsl(message));
  return absl::StrContains(lower, "not a valid model") ||
         absl::StrContains(lower, "no such model") || absl::StrContains(lower, "model not found");
}

bool HasModerationReasons(const Json& metadata) {
  if (!metadata.is_object()) return false;
  auto it = metadata.find("reasons");
  return it != metadata.end() && it->is_array() && !it->empty();
}

bool ContainsAny(std::string_view lower, std::initializer_list<std::string_view> phrases) {
  for (std::string_view phrase : phrases) {
    if (absl::StrContains(AsAbsl(lower), AsAbsl(phrase))) return true;
  }
  return false;
}

// OpenRouter answers 403 for several reasons, told apart by the error's metadata and message: the
// input flagged by a model's moderation (metadata.reasons, flagged_input) or blocked by a guardrail
// ("Request blocked: ..."); a spending limit used up (metadata.limit_source: a guardrail,
// workspace or key budget); a key that may not be used (disabled, revoked, lacking a permission);
// or the account's settings allowing no endpoint for the request (data policy, allowed providers).
// Only the key problem is `auth`; what no other rule names is `forbidden`.
std::string_view ClassForForbidden(std::string_view message, const Json& metadata) {
  std::string lower = absl::AsciiStrToLower(AsAbsl(message));
  bool has_metadata = metadata.is_object();
  if (HasModerationReasons(metadata) || (has_metadata && metadata.contains("flagged_input")) ||
      ContainsAny(lower, {"moderation", "flagged", "request blocked", "content policy",
                          "prompt injection"})) {
    return ec::kModeration;
  }
  if ((has_metadata && metadata.contains("limit_source")) ||
      ContainsAny(lower, {"budget", "limit exceeded", "limit reached", "credit"})) {
    return ec::kInsufficientCredits;
  }
  if (ContainsAny(lower, {"api key", "api_key", "key is disabled", "key disabled", "key has been",
                          "invalid key", "revoked", "permission"})) {
    return ec::kAuth;
  }
  return ec::kForbidden;
}

// A delay from a `Retry-After`-like value: seconds as a number, or a header string.
std::optional<absl::Duration> DelayFromValue(const Json& value, absl::Time now) {
  if (value.is_number() && value.get<double>() >= 0) return absl::Seconds(value.get<double>());
  if (value.is_string()) return sdk::ParseRetryAfter(value.get<std::string>(), now);
  return std::nullopt;
}

// OpenRouter puts the upstream's rate-limit headers in metadata.headers; X-RateLimit-Reset is a
// Unix time in milliseconds.
std::optional<absl::Duration> DelayFromMetadata(const Json& metadata, absl::Time now) {
  if (!metadata.is_object()) return std::nullopt;
  for (const char* name : {"retry_after", "retry_after_seconds"}) {
    if (auto it = metadata.find(name); it != metadata.end()) {
      if (auto delay = DelayFromValue(*it, now)) return delay;
    }
  }
  auto headers = metadata.find("headers");
  if (headers == metadata.end() || !headers->is_object()) return std::nullopt;
  for (const auto& [key, value] : headers->items()) {
    if (absl::EqualsIgnoreCase(key, "retry-after")) {
      if (auto delay = DelayFromValue(value, now)) return delay;
    }
  }
  for (const auto& [key, value] : headers->items()) {
    if (!absl::EqualsIgnoreCase(key, "x-ratelimit-reset")) continue;
    int64_t reset_ms = 0;
    if (value.is_number_integer()) {
      reset_ms = value.get<int64_t>();
    } else if (!value.is_string() || !absl::SimpleAtoi(value.get<std::string>(), &reset_ms)) {
      continue;
    }
    absl::Duration delay = absl::FromUnixMillis(reset_ms) - now;
    return delay > absl::ZeroDuration() ? delay : absl::ZeroDuration();
  }
  return std::nullopt;
}

std::string Subject(const CallDescription& call) {
  if (call.model.empty()) return absl::StrCat("OpenRouter ", call.what);
  return absl::StrCat("OpenRouter ", call.what, " for model '", call.model, "'");
}

std::string Scrub(const CallDescription& call, std::string_view text) {
  return call.endpoint != nullptr ? call.endpoint->Scrub(text) : std::string(text);
}

Json ScrubJson(const CallDescription& call, const Json& value) {
  if (call.endpoint == nullptr || call.endpoint->api_key.empty()) return value;
  std::string dumped = value.dump();
  std::string scrubbed = call.endpoint->Scrub(dumped);
  if (scrubbed == dumped) return value;
  Json parsed = Json::parse(scrubbed, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? Json("<redacted>") : parsed;
}

// The human part of the message: OpenRouter's message, plus the moderation reasons or the provider
// when the metadata names them.
std::string Explain(std::string_view error_class, std::string_view message, const Json& metadata) {
  std::string text(message.empty() ? "no message" : message);
  if (error_class == ec::kModeration && HasModerationReasons(metadata)) {
    std::vector<std::string> reasons;
    for (const Json& reason : metadata["reasons"]) {
      reasons.push_back(reason.is_string() ? reason.get<std::string>() : reason.dump());
    }
    absl::StrAppend(&text, " (flagged for: ", absl::StrJoin(reasons, ", "), ")");
  }
  std::string provider = sdk::StringField(metadata, "provider_name");
  if (!provider.empty()) absl::StrAppend(&text, " (provider: ", provider, ")");
  return text;
}

// The upstream's delay, at most the call's ceiling: one answer must not bench a model for years.
std::optional<absl::Duration> Capped(std::optional<absl::Duration> retry_after,
                                     const CallDescription& call) {
  if (!retry_after.has_value()) return std::nullopt;
  return std::min(*retry_after, call.max_retry_after);
}

absl::Status Build(std::string_view error_class, std::string headline, std::string_view message,
                   const Json& code, const Json& metadata, std::optional<int> http_status,
                   std::optional<absl::Duration> retry_after, const CallDescription& call) {
  Json details = Json::object();
  if (http_status.has_value()) details["http_status"] = *http_status;
  if (!code.is_null()) details["code"] = ScrubJson(call, code);
  details["message"] = Scrub(call, message);
  if (!metadata.is_null()) details["metadata"] = ScrubJson(call, metadata);
  if (!call.model.empty()) details["model"] = call.model;
  std::string provider = sdk::StringField(metadata, "provider_name");
  if (!provider.empty()) details["provider"] = Scrub(call, provider);
  std::string text = absl::StrCat(headline, ": ", Explain(error_class, message, metadata));
  return sdk::NodeError(StatusCodeForClass(error_class), error_class, Scrub(call, text), details,
                        Capped(retry_after, call));
}

}  // namespace

std::string_view ClassForNumericCode(int code, std::string_view message, const Json& metadata) {
  switch (code) {
    case 400:
      if (SaysContextLength(message)) return ec::kContextLength;
      if (SaysUnknownModel(message)) return ec::kNotFound;
      return ec::kBadRequest;
    case 401:
      return ec::kAuth;
    case 402:
      return ec::kInsufficientCredits;
    case 403:
      return ClassForForbidden(message, metadata);
    case 404:
      return ec::kNotFound;
    case 408:
      return ec::kTimeout;
    case 413:
      return SaysContextLength(message) ? ec::kContextLength : ec::kBadRequest;
    case 429:
      return ec::kRateLimited;
    default:
      break;
  }
  if (code >= 500 && code <= 599) return ec::kUpstream;
  if (code >= 400 && code <= 499) {
    return SaysContextLength(message) ? ec::kContextLength : ec::kBadRequest;
  }
  return ec::kUpstream;
}

std::string_view ClassForStringCode(std::string_view code, std::string_view message,
                                    const Json& metadata) {
  int numeric = 0;
  if (absl::SimpleAtoi(AsAbsl(code), &numeric)) {
    return ClassForNumericCode(numeric, message, metadata);
  }
  std::string lower = absl::AsciiStrToLower(AsAbsl(code));
  if (absl::StrContains(lower, "context_length") || SaysContextLength(message)) {
    return ec::kContextLength;
  }
  if (absl::StrContains(lower, "rate_limit") || lower == "rate_limited" ||
      lower == "too_many_requests") {
    return ec::kRateLimited;
  }
  if (absl::StrContains(lower, "insufficient") || absl::StrContains(lower, "quota") ||
      absl::StrContains(lower, "credits")) {
    return ec::kInsufficientCredits;
  }
  if (absl::StrContains(lower, "moderation") || absl::StrContains(lower, "content_filter") ||
      absl::StrContains(lower, "content_policy") || absl::StrContains(lower, "flagged")) {
    return ec::kModeration;
  }
  // "permission_denied" and "forbidden" cover guardrails and budgets as well as keys.
  if (absl::StrContains(lower, "permission") || absl::StrContains(lower, "forbidden")) {
    return ClassForForbidden(message, metadata);
  }
  if (absl::StrContains(lower, "budget") || absl::StrContains(lower, "limit_exceeded")) {
    return ec::kInsufficientCredits;
  }
  if (absl::StrContains(lower, "auth") || absl::StrContains(lower, "api_key") ||
      absl::StrContains(lower, "key_disabled")) {
    return ec::kAuth;
  }
  if (absl::StrContains(lower, "timeout") || absl::StrContains(lower, "timed_out")) {
    return ec::kTimeout;
  }
  if (absl::StrContains(lower, "not_found") || SaysUnknownModel(message)) return ec::kNotFound;
  if (absl::StrContains(lower, "invalid_request") || absl::StrContains(lower, "bad_request")) {
    return ec::kBadRequest;
  }
  // "server_error", "provider_error", "overloaded", and anything unknown: the upstream failed.
  return ec::kUpstream;
}

absl::StatusCode StatusCodeForClass(std::string_view error_class) {
  if (error_class == ec::kRateLimited) return absl::StatusCode::kResourceExhausted;
  if (error_class == ec::kInsufficientCredits || error_class == ec::kAuth ||
      error_class == ec::kForbidden) {
    return absl::StatusCode::kFailedPrecondition;
  }
  if (error_class == ec::kBadRequest || error_class == ec::kContextLength ||
      error_class == ec::kModeration) {
    return absl::StatusCode::kInvalidArgument;
  }
  if (error_class == ec::kNotFound) return absl::StatusCode::kNotFound;
  if (error_class == ec::kTimeout) return absl::StatusCode::kDeadlineExceeded;
  if (error_class == ec::kCancelled) return absl::StatusCode::kCancelled;
  return absl::StatusCode::kUnavailable;  // upstream, network, malformed_response
}

absl::Status ClassifyHttpError(int http_status, std::string_view body,
                               const sdk::HttpHeaders& headers, absl::Time now,
                               const CallDescription& call) {
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  Json error = nullptr;
  if (!parsed.is_discarded() && parsed.is_object()) {
    if (auto it = parsed.find("error"); it != parsed.end()) error = *it;
  }
  std::string message;
  Json metadata = nullptr;
  Json code = http_status;
  if (error.is_object()) {
    message = sdk::StringField(error, "message");
    if (auto it = error.find("metadata"); it != error.end()) metadata = *it;
    if (auto it = error.find("code"); it != error.end()) code = *it;
  } else if (error.is_string()) {
    message = error.get<std::string>();
  } else {
    // Not OpenRouter's shape (a proxy's HTML page, say): show the start of the body.
    message = UpstreamExcerpt(body, 200);
  }
  std::string_view error_class = ClassForNumericCode(http_status, message, metadata);
  std::optional<absl::Duration> retry_after;
  if (auto header = sdk::FindHeader(headers, "Retry-After")) {
    retry_after = sdk::ParseRetryAfter(*header, now);
  }
  if (!retry_after.has_value()) retry_after = DelayFromMetadata(metadata, now);
  return Build(error_class, absl::StrCat(Subject(call), " failed with HTTP ", http_status), message,
               code, metadata, http_status, retry_after, call);
}

absl::Status ClassifyErrorObject(const Json& error, bool mid_stream, absl::Time now,
                                 const CallDescription& call) {
  std::string message = sdk::StringField(error, "message");
  Json metadata = error.is_object() && error.contains("metadata") ? error["metadata"] : Json();
  Json code = error.is_object() && error.contains("code") ? error["code"] : Json();
  std::string_view error_class = ec::kUpstream;
  if (code.is_number_integer()) {
    error_class = ClassForNumericCode(code.get<int>(), message, metadata);
  } else if (code.is_string()) {
    error_class = ClassForStringCode(code.get<std::string>(), message, metadata);
  } else if (SaysContextLength(message)) {
    error_class = ec::kContextLength;
  }
  std::string headline = absl::StrCat(Subject(call), mid_stream ? " failed mid-stream" : " failed");
  return Build(error_class, std::move(headline), message, code, metadata, std::nullopt,
               DelayFromMetadata(metadata, now), call);
}

absl::Status ClassifyTransportError(const absl::Status& status, const CallDescription& call) {
  std::string error_class = sdk::ErrorClassOf(status);
  Json details = sdk::ErrorDetailsOf(status);
  if (!details.is_object()) details = Json::object();
  if (!call.model.empty()) details["model"] = call.model;
  std::string message = Scrub(call, absl::StrCat(Subject(call), " failed: ", status.message()));
  return sdk::NodeError(status.code(), error_class, message, details,
                        Capped(sdk::RetryAfterOf(status), call));
}

std::string UpstreamExcerpt(std::string_view text, size_t max_bytes) {
  // nlohmann's replacing dump is the SDK's one UTF-8 repair: it writes U+FFFD for every byte that
  // does not belong to a valid sequence; parsing the quoted result back unescapes it.
  std::string quoted = Json(std::string(text.substr(0, max_bytes)))
                           .dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
  return Json::parse(quoted).get<std::string>();
}

absl::Status MalformedResponse(std::string_view what, const CallDescription& call) {
  Json details = Json::object();
  if (!call.model.empty()) details["model"] = call.model;
  return sdk::NodeError(
      StatusCodeForClass(ec::kMalformedResponse), ec::kMalformedResponse,
      Scrub(call, absl::StrCat(Subject(call), " returned a malformed response: ", AsAbsl(what))),
      details);
}

}  // namespace flowhost::nodes::openrouter
