// The one place where flowhost's internal errors become gRPC statuses (issue 5, item 4). Everything
// the service returns goes through here, so the table in docs/api.md and the code cannot drift
// apart.
//
// An internal error is an absl::Status carrying an error class (flowhost/sdk/error.h). The class
// decides the gRPC code, because it says who must act; the absl code only decides for classes this
// table does not know (a plugin's own words, "failed"):
//
//   rate_limited, limit_exceeded, queue_full, response_too_large   RESOURCE_EXHAUSTED  (back off)
//   upstream, network, malformed_response, unavailable             UNAVAILABLE         (retry)
//   auth, insufficient_credits, forbidden                          FAILED_PRECONDITION (fix the
//                                                                  key or account)
//   invalid_input, bad_request, context_length, moderation         INVALID_ARGUMENT    (fix the
//                                                                  request)
//   not_found                                                      NOT_FOUND
//   timeout                                                        DEADLINE_EXCEEDED
//   cancelled                                                      CANCELLED
//   unauthenticated / permission_denied                            UNAUTHENTICATED /
//                                                                  PERMISSION_DENIED
//   anything else: the absl code as is, except UNKNOWN, INTERNAL, DATA_LOSS and OK -> INTERNAL
//
// Messages are scrubbed of secrets, capped in length, and say what to do where that is not obvious.
// The class, node, attempts and upstream calls travel as a flowhost.v1.ErrorDetails message in the
// trailing metadata (see error_details.proto).
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_SERVICE_STATUS_MAPPING_H_
#define FLOWHOST_SERVER_SERVICE_STATUS_MAPPING_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/sdk/retry.h"
#include "flowhost/sdk/usage.h"
#include "flowhost/v1/error_details.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "server/common/secret_scrubber.h"
#include "server/workflow/diagnostic.h"

namespace flowhost::service {

// Error classes the service itself uses, besides those of flowhost/sdk/error.h.
namespace service_error_class {
inline constexpr std::string_view kUnavailable = "unavailable";  // the server is draining
inline constexpr std::string_view kUnauthenticated = "unauthenticated";
inline constexpr std::string_view kPermissionDenied = "permission_denied";
}  // namespace service_error_class

// Trailing metadata keys carrying the details of a failed call.
inline constexpr char kErrorDetailsTrailer[] = "flowhost-error-details-bin";
inline constexpr char kErrorClassTrailer[] = "flowhost-error-class";

// Longest status message sent; longer ones are cut (the message travels in a header).
inline constexpr size_t kMaxStatusMessageBytes = 1024;
// Most upstream calls and diagnostics copied into ErrorDetails.
inline constexpr size_t kMaxDetailCalls = 16;
inline constexpr size_t kMaxDetailDiagnostics = 32;

// What is known about a failure besides its status, for the message and the details.
struct FailureContext {
  std::string execution_id;
  std::string workflow;
  std::string node;           // the node whose failure stopped the execution
  std::string node_location;  // "FILE:LINE" of that node's entry in its workflow file
  int attempts = 0;
  std::vector<sdk::AttemptRecord> calls;
  std::vector<workflow::Diagnostic> diagnostics;
};

// The gRPC code for an internal error (see the table above). `status` must not be OK.
grpc::StatusCode GrpcCodeFor(const absl::Status& status);

// A failure as the service returns it.
struct MappedError {
  grpc::Status status;
  v1::ErrorDetails details;
};

// Maps `status` (not OK) to its gRPC status and details; secrets are scrubbed from every text,
// and a retry delay longer than `max_retry_after` (http.max_retry_after) is cut to it.
MappedError MapError(const absl::Status& status, const FailureContext& context,
                     const common::SecretScrubber& scrubber,
                     absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter);

// Adds `details` to the call's trailing metadata. Call before the RPC finishes.
void AttachErrorDetails(grpc::ServerContextBase& context, const v1::ErrorDetails& details);

// MapError + AttachErrorDetails: what a handler returns for a failed call.
grpc::Status FailCall(grpc::ServerContextBase& context, const absl::Status& status,
                      const FailureContext& failure, const common::SecretScrubber& scrubber,
                      absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter);

// The client side: the details a failed call carried, if the server sent any. Call after the call
// finished.
std::optional<v1::ErrorDetails> ReadErrorDetails(const grpc::ClientContext& context);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_STATUS_MAPPING_H_
