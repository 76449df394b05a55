// Errors are values: every fallible SDK call returns absl::Status or absl::StatusOr<T>.
//
// A node failure carries, besides its absl::StatusCode and message, an *error class*: a stable lower_snake
// word ("rate_limited", "timeout", ...) that the host uses to decide on retries, that routers use to
// decide on escalation, and that the service maps to a gRPC status code. It may also carry details
// (JSON, e.g. the upstream's error metadata) and a server-requested retry delay (`Retry-After`).
// These ride as absl::Status payloads, so they survive copying and moving a Status around.
//
// Thread-safety: all functions are pure.
#ifndef FLOWHOST_SDK_ERROR_H_
#define FLOWHOST_SDK_ERROR_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

// Error classes shared by the host and the built-in nodes. Plugins may define their own words.
namespace error_class {
inline constexpr std::string_view kRateLimited = "rate_limited";          // 429
inline constexpr std::string_view kInsufficientCredits = "insufficient_credits";  // 402
inline constexpr std::string_view kAuth = "auth";                        // 401, 403 on the key
inline constexpr std::string_view kModeration = "moderation";            // 403: input flagged or blocked
inline constexpr std::string_view kForbidden = "forbidden";              // any other 403 (data policy...)
inline constexpr std::string_view kBadRequest = "bad_request";           // 400
inline constexpr std::string_view kContextLength = "context_length";     // prompt too long for the model
inline constexpr std::string_view kTimeout = "timeout";                  // 408, or our own deadline
inline constexpr std::string_view kUpstream = "upstream";                // 5xx from the upstream
inline constexpr std::string_view kNetwork = "network";                  // connect/reset/DNS
inline constexpr std::string_view kMalformedResponse = "malformed_response";
inline constexpr std::string_view kCancelled = "cancelled";
inline constexpr std::string_view kNotFound = "not_found";               // e.g. unknown model
inline constexpr std::string_view kResponseTooLarge = "response_too_large";
inline constexpr std::string_view kQueueFull = "queue_full";             // a client-side bound was hit
inline constexpr std::string_view kInvalidInput = "invalid_input";       // bad items or parameters
inline constexpr std::string_view kLimitExceeded = "limit_exceeded";     // an execution limit was crossed
inline constexpr std::string_view kUnavailable = "unavailable";       // a remote worker was lost or absent
inline constexpr std::string_view kFailed = "failed";                    // a `fail` node, or unclassified
}  // namespace error_class

// Builds a classified error. `details` is attached when it is not null (a string in it that is not
// valid UTF-8 has those bytes replaced by U+FFFD); `retry_after` when set.
absl::Status NodeError(absl::StatusCode code, std::string_view error_class, std::string_view message,
                       const Json& details = nullptr,
                       std::optional<absl::Duration> retry_after = std::nullopt);

// The error class of `status`: the attached one, or one derived from its code (kDeadlineExceeded ->
// "timeout", kCancelled -> "cancelled", kUnavailable -> "network", kResourceExhausted -> "rate_limited",
// kInvalidArgument -> "invalid_input", others -> "failed"). Empty for an OK status.
std::string ErrorClassOf(const absl::Status& status);

// The details attached by NodeError, or null.
Json ErrorDetailsOf(const absl::Status& status);

// The retry delay attached by NodeError, if any.
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);

// Returns `status` with `prefix + ": "` prepended to its message, keeping code and payloads.
absl::Status Annotate(const absl::Status& status, std::string_view prefix);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_ERROR_H_
