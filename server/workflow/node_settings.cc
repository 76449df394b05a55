// Checks a node's settings: retry, timeout, on_error and disabled.
#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/duration.h"
#include "server/workflow/describe.h"
#include "server/workflow/document_checks.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/shape_checks.h"
#include "server/workflow/suggest.h"

namespace flowhost::workflow {
namespace {

constexpr int kMaxAttempts = 100;

const std::vector<std::string>& RetryKeys() {
  static const auto* keys = new std::vector<std::string>{"attempts", "initial_backoff",
                                                         "max_backoff", "multiplier", "jitter"};
  return *keys;
}

const std::vector<std::string>& OnErrorValues() {
  static const auto* values = new std::vector<std::string>{"stop", "continue", "error_output"};
  return *values;
}

bool ReadDuration(const sdk::Json& value, const std::string& pointer, Reporter& reporter,
                  absl::Duration& out) {
  absl::StatusOr<absl::Duration> duration = sdk::ParseDuration(value);
  if (!duration.ok()) {
    reporter.Error(pointer, std::string(duration.status().message()));
    return false;
  }
  out = *duration;
  return true;
}

// A number in [low, high]; reports "'WHAT' must be a number from LOW to HIGH, got ..." otherwise.
bool ReadNumber(const sdk::Json& value, const std::string& pointer, std::string_view what,
                double low, double high, Reporter& reporter, double& out) {
  if (!value.is_number() || value.get<double>() < low || value.get<double>() > high) {
    reporter.Error(pointer, absl::StrCat("'", sdk::AsAbsl(what), "' must be a number from ", low,
                                         " to ", high, ", got ", DescribeValue(value)));
    return false;
  }
  out = value.get<double>();
  return true;
}

void CheckRetry(const sdk::Json& retry, const std::string& pointer, Reporter& reporter,
                sdk::RetryPolicy& policy) {
  if (!ExpectObject(retry, pointer, "retry", reporter)) return;
  CheckKnownKeys(retry, pointer, RetryKeys(), "'retry'", reporter);
  if (const sdk::Json* attempts = Member(retry, "attempts")) {
    std::string at = ChildPointer(pointer, "attempts");
    if (!attempts->is_number_integer() || attempts->get<int64_t>() < 1 ||
        attempts->get<int64_t>() > kMaxAttempts) {
      reporter.Error(at,
                     absl::StrCat("'attempts' must be an integer from 1 to ", kMaxAttempts,
                                  " (the first attempt included), got ", DescribeValue(*attempts)));
    } else {
      policy.max_attempts = static_cast<int>(attempts->get<int64_t>());
    }
  }
  bool initial_ok = false;
  bool max_ok = false;
  if (const sdk::Json* initial = Member(retry, "initial_backoff")) {
    initial_ok = ReadDuration(*initial, ChildPointer(pointer, "initial_backoff"), reporter,
                              policy.initial_backoff);
  }
  if (const sdk::Json* max = Member(retry, "max_backoff")) {
    max_ok = ReadDuration(*max, ChildPointer(pointer, "max_backoff"), reporter, policy.max_backoff);
  }
  if ((initial_ok || max_ok) && policy.max_backoff < policy.initial_backoff) {
    reporter.Error(ChildPointer(pointer, max_ok ? "max_backoff" : "initial_backoff"),
                   absl::StrCat("'max_backoff' (", absl::FormatDuration(policy.max_backoff),
                                ") must not be shorter than 'initial_backoff' (",
                                absl::FormatDuration(policy.initial_backoff), ")"));
  }
  if (const sdk::Json* multiplier = Member(retry, "multiplier")) {
    ReadNumber(*multiplier, ChildPointer(pointer, "multiplier"), "multiplier", 1, 100, reporter,
               policy.multiplier);
  }
  if (const sdk::Json* jitter = Member(retry, "jitter")) {
    ReadNumber(*jitter, ChildPointer(pointer, "jitter"), "jitter", 0, 1, reporter, policy.jitter);
  }
}

}  // namespace

NodeSettings CheckNodeSettings(const sdk::Json& node, std::string_view pointer,
                               Reporter& reporter) {
  NodeSettings settings;
  if (const sdk::Json* retry = Member(node, "retry")) {
    CheckRetry(*retry, ChildPointer(pointer, "retry"), reporter, settings.retry);
  }
  if (const sdk::Json* timeout = Member(node, "timeout")) {
    std::string at = ChildPointer(pointer, "timeout");
    absl::Duration duration;
    if (ReadDuration(*timeout, at, reporter, duration)) {
      if (duration <= absl::ZeroDuration()) {
        reporter.Error(at, "'timeout' must be longer than zero");
      } else {
        settings.timeout = duration;
      }
    }
  }
  if (const sdk::Json* on_error = Member(node, "on_error")) {
    std::string at = ChildPointer(pointer, "on_error");
    std::string written = on_error->is_string() ? on_error->get<std::string>() : "";
    if (written == "stop") {
      settings.on_error = OnError::kStop;
    } else if (written == "continue") {
      settings.on_error = OnError::kContinue;
    } else if (written == "error_output") {
      settings.on_error = OnError::kErrorOutput;
    } else {
      reporter.Error(
          at, absl::StrCat("'on_error' must be one of ", ListOfNames(OnErrorValues()), ", got ",
                           DescribeValue(*on_error), DidYouMean(written, OnErrorValues())));
    }
  }
  if (const sdk::Json* disabled = Member(node, "disabled")) {
    if (ExpectBoolean(*disabled, ChildPointer(pointer, "disabled"), "disabled", reporter)) {
      settings.disabled = disabled->get<bool>();
    }
  }
  return settings;
}

}  // namespace flowhost::workflow
