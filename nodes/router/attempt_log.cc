#include "nodes/router/attempt_log.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/abbreviate.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"

namespace flowhost::nodes::router {

using sdk::Json;

namespace {
constexpr size_t kMaxSummaryMessage = 160;
}  // namespace

std::string Shorten(std::string_view text) { return sdk::Abbreviate(text, kMaxSummaryMessage); }

void AttemptLog::Add(const sdk::AttemptRecord& record, std::optional<double> shown_cost) {
  Json entry = {{"route", record.route},
                {"model", record.model},
                {"outcome", record.outcome},
                {"latency_ms", absl::ToDoubleMilliseconds(record.latency)},
                {"cost_usd", shown_cost.value_or(record.cost_usd)},
                {"prompt_tokens", record.prompt_tokens},
                {"completion_tokens", record.completion_tokens}};
  if (!record.provider.empty()) entry["provider"] = record.provider;
  if (record.outcome != "ok") {
    entry["error_class"] = record.error_class;
    entry["error_message"] = record.error_message;
    summary_.push_back(absl::StrCat("'", record.route, "' ", record.outcome, " (",
                                    record.error_class, "): ", Shorten(record.error_message)));
  }
  attempts_.push_back(std::move(entry));
}

absl::Status AttemptLog::NotEscalated(std::string_view route, const absl::Status& status) const {
  std::string error_class = sdk::ErrorClassOf(status);
  Json details = sdk::ErrorDetailsOf(status);
  if (!details.is_object()) details = Json::object();
  details["attempts"] = attempts_;
  return sdk::NodeError(
      status.code(), error_class,
      absl::StrCat("router: route '", sdk::AsAbsl(route), "' failed with ", error_class,
                   " (not in escalate_on, so no other route was tried): ", status.message()),
      details, sdk::RetryAfterOf(status));
}

absl::Status AttemptLog::AllFailed(size_t item_index, const absl::Status& last_failure,
                                   std::string_view last_skip_class,
                                   std::optional<absl::Duration> retry_after) const {
  // The class is the last real failure's (so rate_limited when every call was rate-limited), or
  // the skips' when nothing was called.
  absl::StatusCode code;
  std::string error_class;
  Json details = Json{{"attempts", attempts_}};
  if (!last_failure.ok()) {
    code = last_failure.code();
    error_class = sdk::ErrorClassOf(last_failure);
    if (Json last = sdk::ErrorDetailsOf(last_failure); !last.is_null()) {
      details["last_error"] = last;
    }
  } else {
    error_class = last_skip_class.empty() ? std::string(sdk::error_class::kFailed)
                                          : std::string(last_skip_class);
    code = error_class == sdk::error_class::kLimitExceeded
               ? absl::StatusCode::kResourceExhausted
               : openrouter::StatusCodeForClass(error_class);
  }
  return sdk::NodeError(code, error_class,
                        absl::StrCat("router: every route failed for item ", item_index, ": ",
                                     absl::StrJoin(summary_, "; ")),
                        details, retry_after);
}

}  // namespace flowhost::nodes::router
