#include "flowhost/sdk/error.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::sdk {
namespace {

constexpr char kClassUrl[] = "type.flowhost.dev/error_class";
constexpr char kDetailsUrl[] = "type.flowhost.dev/error_details";
constexpr char kRetryAfterUrl[] = "type.flowhost.dev/retry_after_ms";

void CopyPayloads(const absl::Status& from, absl::Status& to) {
  from.ForEachPayload(
      [&to](absl::string_view url, const absl::Cord& payload) { to.SetPayload(url, payload); });
}

}  // namespace

absl::Status NodeError(absl::StatusCode code, std::string_view error_class, std::string_view message,
                       const Json& details, std::optional<absl::Duration> retry_after) {
  absl::Status status(code, AsAbsl(message));
  if (status.ok()) return status;
  status.SetPayload(kClassUrl, absl::Cord(AsAbsl(error_class)));
  if (!details.is_null()) {
    // Details quote upstream text, which may not be UTF-8: replace such bytes rather than throw.
    status.SetPayload(kDetailsUrl,
                      absl::Cord(details.dump(-1, ' ', false, Json::error_handler_t::replace)));
  }
  if (retry_after.has_value()) {
    status.SetPayload(kRetryAfterUrl,
                      absl::Cord(std::to_string(absl::ToInt64Milliseconds(*retry_after))));
  }
  return status;
}

std::string ErrorClassOf(const absl::Status& status) {
  if (status.ok()) return "";
  if (auto payload = status.GetPayload(kClassUrl)) return std::string(*payload);
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return std::string(error_class::kTimeout);
    case absl::StatusCode::kCancelled:
      return std::string(error_class::kCancelled);
    case absl::StatusCode::kUnavailable:
      return std::string(error_class::kNetwork);
    case absl::StatusCode::kResourceExhausted:
      return std::string(error_class::kRateLimited);
    case absl::StatusCode::kInvalidArgument:
      return std::string(error_class::kInvalidInput);
    default:
      return std::string(error_class::kFailed);
  }
}

Json ErrorDetailsOf(const absl::Status& status) {
  auto payload = status.GetPayload(kDetailsUrl);
  if (!payload) return nullptr;
  Json details = Json::parse(std::string(*payload), nullptr, /*allow_exceptions=*/false);
  return details.is_discarded() ? Json(nullptr) : details;
}

std::optional<absl::Duration> RetryAfterOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterUrl);
  int64_t ms = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &ms)) return std::nullopt;
  return absl::Milliseconds(ms);
}

absl::Status Annotate(const absl::Status& status, std::string_view prefix) {
  if (status.ok()) return status;
  absl::Status annotated(status.code(), absl::StrCat(AsAbsl(prefix), ": ", status.message()));
  CopyPayloads(status, annotated);
  return annotated;
}

}  // namespace flowhost::sdk
