// Turns whatever went wrong with an OpenRouter call into one classified sdk::NodeError (error.h):
// an HTTP error status with OpenRouter's error body, an `error` object inside a 200 body or a
// stream event (whose `code` may be a number or a string), a transport failure from the HTTP
// client, or a response we could not understand.
//
// Every error keeps OpenRouter's own message and metadata (in the details, with the HTTP status and
// the model asked for), and a server-requested delay (`Retry-After`, or the rate-limit reset time
// in the metadata) as the status's retry delay, capped at CallDescription::max_retry_after.
// Classes and codes:
//   rate_limited          429                                          RESOURCE_EXHAUSTED
//   insufficient_credits  402, 403 for a spent budget or key limit     FAILED_PRECONDITION
//   auth                  401, 403 about the key itself                FAILED_PRECONDITION
//   forbidden             any other 403 (data policy, account rules)   FAILED_PRECONDITION
//   moderation            403 flagged by moderation or a guardrail     INVALID_ARGUMENT
//   bad_request           other 4xx                                    INVALID_ARGUMENT
//   context_length        400 saying the prompt is too long            INVALID_ARGUMENT
//   not_found             404, unknown model                           NOT_FOUND
//   timeout               408                                          DEADLINE_EXCEEDED
//   upstream              5xx (502 provider error, 503 no provider)    UNAVAILABLE
//   malformed_response                                                 UNAVAILABLE
// Transport errors keep the HTTP client's class (timeout, network, cancelled, response_too_large,
// queue_full).
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_NODES_OPENROUTER_CLIENT_ERROR_CLASSIFIER_H_
#define FLOWHOST_NODES_OPENROUTER_CLIENT_ERROR_CLASSIFIER_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/retry.h"

namespace flowhost::nodes::openrouter {

// What the failing call was, for the message: "chat completion for model 'x'" or "model listing".
struct CallDescription {
  std::string what;                    // e.g. "chat completion"
  std::string model;                   // the model asked for, empty when none
  const Endpoint* endpoint = nullptr;  // to scrub the key from upstream text; may be null
  // The longest server-requested delay kept; a longer Retry-After is cut to it.
  absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
};

// The error class for an OpenRouter error code (an HTTP status, or the numeric `code` of an error
// object) and its message and metadata.
std::string_view ClassForNumericCode(int code, std::string_view message, const sdk::Json& metadata);

// The error class for a string `code` ("server_error", "rate_limit_exceeded", "429", ...).
std::string_view ClassForStringCode(std::string_view code, std::string_view message,
                                    const sdk::Json& metadata);

// A non-2xx response. `body` is OpenRouter's `{"error": {"code", "message", "metadata"}}` or
// anything else (then the status alone decides). `now` resolves an HTTP-date Retry-After.
absl::Status ClassifyHttpError(int http_status, std::string_view body,
                               const sdk::HttpHeaders& headers, absl::Time now,
                               const CallDescription& call);

// An `error` object found in a 2xx body or in a stream event. `mid_stream` words the message.
absl::Status ClassifyErrorObject(const sdk::Json& error, bool mid_stream, absl::Time now,
                                 const CallDescription& call);

// A failure reported by the HTTP client: keeps its code and class, says which call failed.
absl::Status ClassifyTransportError(const absl::Status& status, const CallDescription& call);

// A 2xx response we could not use (`what` says why).
absl::Status MalformedResponse(std::string_view what, const CallDescription& call);

// The start of raw upstream text (a proxy's HTML page, a stream event that is not JSON), to quote
// in a message: at most `max_bytes` of it, as valid UTF-8 (bytes that are not UTF-8, and a
// character cut at the end, become U+FFFD), so the message survives JSON and protobuf.
std::string UpstreamExcerpt(std::string_view text, size_t max_bytes);

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_CLIENT_ERROR_CLASSIFIER_H_
