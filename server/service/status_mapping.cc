#include "server/service/status_mapping.h"

#include <algorithm>
#include <map>
#include <string>

#include "flowhost/sdk/abbreviate.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "server/service/proto_convert.h"

namespace flowhost::service {
namespace {

namespace ec = sdk::error_class;
namespace sec = service_error_class;

struct ClassRule {
  grpc::StatusCode code;
  std::string_view hint;  // appended to the message; empty for none
};

const std::map<std::string_view, ClassRule>& ClassTable() {
  static const auto* table = new std::map<std::string_view, ClassRule>{
      {ec::kRateLimited,
       {grpc::StatusCode::RESOURCE_EXHAUSTED,
        "the upstream rate limit was hit and no fallback was left; retry later"}},
      {ec::kLimitExceeded, {grpc::StatusCode::RESOURCE_EXHAUSTED, ""}},
      {ec::kQueueFull,
       {grpc::StatusCode::RESOURCE_EXHAUSTED, "the server is overloaded; retry later"}},
      {ec::kResponseTooLarge, {grpc::StatusCode::RESOURCE_EXHAUSTED, ""}},
      {ec::kUpstream,
       {grpc::StatusCode::UNAVAILABLE,
        "the upstream failed and no fallback was left; retry later"}},
      {ec::kNetwork,
       {grpc::StatusCode::UNAVAILABLE, "the upstream could not be reached; retry later"}},
      {ec::kMalformedResponse,
       {grpc::StatusCode::UNAVAILABLE, "the upstream sent a malformed response; retry later"}},
      {sec::kUnavailable, {grpc::StatusCode::UNAVAILABLE, ""}},
      {ec::kAuth,
       {grpc::StatusCode::FAILED_PRECONDITION,
        "the upstream API key is missing or was rejected; check the server's credentials "
        "configuration"}},
      {ec::kForbidden,
       {grpc::StatusCode::FAILED_PRECONDITION,
        "the upstream refused the request under its account's settings (data policy, allowed "
        "providers or models); change them or the request"}},
      {ec::kInsufficientCredits,
       {grpc::StatusCode::FAILED_PRECONDITION,
        "the upstream account has insufficient credits; add credits or use a free model"}},
      {ec::kInvalidInput, {grpc::StatusCode::INVALID_ARGUMENT, ""}},
      {ec::kBadRequest, {grpc::StatusCode::INVALID_ARGUMENT, ""}},
      {ec::kContextLength,
       {grpc::StatusCode::INVALID_ARGUMENT,
        "the prompt is too long for the model; shorten it or use a model with a longer context"}},
      {ec::kModeration,
       {grpc::StatusCode::INVALID_ARGUMENT, "the input was flagged by moderation"}},
      {ec::kNotFound, {grpc::StatusCode::NOT_FOUND, ""}},
      {ec::kTimeout, {grpc::StatusCode::DEADLINE_EXCEEDED, ""}},
      {ec::kCancelled, {grpc::StatusCode::CANCELLED, ""}},
      {sec::kUnauthenticated, {grpc::StatusCode::UNAUTHENTICATED, ""}},
      {sec::kPermissionDenied, {grpc::StatusCode::PERMISSION_DENIED, ""}},
  };
  return *table;
}

grpc::StatusCode CodeFromAbsl(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
      return grpc::StatusCode::INTERNAL;
    default:
      // absl and gRPC share the canonical code numbers.
      return static_cast<grpc::StatusCode>(static_cast<int>(code));
  }
}

std::string ComposeMessage(const absl::Status& status, const FailureContext& context,
                           std::string_view hint) {
  std::string message(sdk::AsStd(status.message()));
  if (message.empty()) message = std::string(sdk::AsStd(absl::StatusCodeToString(status.code())));
  if (!context.node.empty() && message.find("'" + context.node + "'") == std::string::npos) {
    message = "node '" + context.node + "' failed: " + message;
  }
  if (!hint.empty() && message.find(hint) == std::string::npos) {
    message += " (" + std::string(hint) + ")";
  }
  return message;
}

}  // namespace

grpc::StatusCode GrpcCodeFor(const absl::Status& status) {
  if (status.ok()) return grpc::StatusCode::INTERNAL;  // an OK status is never an error to map
  auto rule = ClassTable().find(sdk::ErrorClassOf(status));
  if (rule != ClassTable().end()) return rule->second.code;
  return CodeFromAbsl(status.code());
}

MappedError MapError(const absl::Status& status, const FailureContext& context,
                     const common::SecretScrubber& scrubber, absl::Duration max_retry_after) {
  MappedError mapped;
  std::string error_class = sdk::ErrorClassOf(status);
  if (error_class.empty()) error_class = "internal";  // MapError on OK: our bug
  auto rule = ClassTable().find(error_class);
  std::string_view hint = rule != ClassTable().end() ? rule->second.hint : "";
  std::string message = sdk::Abbreviate(scrubber.Scrub(ComposeMessage(status, context, hint)),
                                        kMaxStatusMessageBytes);
  mapped.status = grpc::Status(GrpcCodeFor(status), message);

  v1::ErrorDetails& details = mapped.details;
  details.set_error_class(error_class);
  details.set_execution_id(context.execution_id);
  details.set_workflow(context.workflow);
  details.set_node(context.node);
  details.set_node_location(context.node_location);
  details.set_attempts(context.attempts);
  if (std::optional<absl::Duration> retry_after = sdk::RetryAfterOf(status)) {
    ToDuration(std::min(*retry_after, max_retry_after), *details.mutable_retry_after());
  }
  size_t calls = std::min(context.calls.size(), kMaxDetailCalls);
  for (size_t i = 0; i < calls; ++i) {
    AttemptToProto(context.calls[i], scrubber, *details.add_calls());
  }
  std::vector<const workflow::Diagnostic*> diagnostics;
  for (const auto& diagnostic : context.diagnostics) diagnostics.push_back(&diagnostic);
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const workflow::Diagnostic* a, const workflow::Diagnostic* b) {
                     return a->is_error() && !b->is_error();
                   });
  if (diagnostics.size() > kMaxDetailDiagnostics) diagnostics.resize(kMaxDetailDiagnostics);
  for (const workflow::Diagnostic* diagnostic : diagnostics) {
    DiagnosticToProto(*diagnostic, *details.add_diagnostics());
  }
  return mapped;
}

void AttachErrorDetails(grpc::ServerContextBase& context, const v1::ErrorDetails& details) {
  context.AddTrailingMetadata(kErrorDetailsTrailer, details.SerializeAsString());
  // Text metadata must be printable ASCII; error classes are lower_snake words, but a plugin's may
  // not be.
  std::string error_class = details.error_class();
  for (char& c : error_class) {
    if (c < 0x20 || c > 0x7E) c = '_';
  }
  context.AddTrailingMetadata(kErrorClassTrailer, error_class);
}

grpc::Status FailCall(grpc::ServerContextBase& context, const absl::Status& status,
                      const FailureContext& failure, const common::SecretScrubber& scrubber,
                      absl::Duration max_retry_after) {
  MappedError mapped = MapError(status, failure, scrubber, max_retry_after);
  AttachErrorDetails(context, mapped.details);
  return mapped.status;
}

std::optional<v1::ErrorDetails> ReadErrorDetails(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kErrorDetailsTrailer);
  if (it == trailers.end()) return std::nullopt;
  v1::ErrorDetails details;
  if (!details.ParseFromArray(it->second.data(), static_cast<int>(it->second.size()))) {
    return std::nullopt;
  }
  return details;
}

}  // namespace flowhost::service
