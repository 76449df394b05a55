#include "flowhost/sdk/retry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/civil_time.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"

namespace flowhost::sdk {
namespace {

// RFC 850 dates carry a two-digit year. RFC 9110 section 5.6.7: a year that appears to be more than
// 50 years in the future is the most recent past year with the same last two digits.
absl::Time FixTwoDigitYear(absl::Time parsed, absl::Time now) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  absl::CivilSecond when = absl::ToCivilSecond(parsed, utc);
  int64_t now_year = absl::ToCivilYear(now, utc).year();
  int64_t year = now_year - now_year % 100 + when.year() % 100;
  if (year > now_year + 50) year -= 100;
  return absl::FromCivil(
      absl::CivilSecond(year, when.month(), when.day(), when.hour(), when.minute(), when.second()),
      utc);
}

std::optional<absl::Time> ParseHttpDate(absl::string_view text, absl::Time now) {
  absl::Time parsed;
  std::string error;
  // IMF-fixdate, the preferred form: "Sun, 06 Nov 1994 08:49:37 GMT".
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", text, &parsed, &error)) return parsed;
  // Obsolete RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT".
  if (absl::ParseTime("%A, %d-%b-%y %H:%M:%S GMT", text, &parsed, &error)) {
    return FixTwoDigitYear(parsed, now);
  }
  // Obsolete asctime(): "Sun Nov  6 08:49:37 1994".
  if (absl::ParseTime("%a %b %e %H:%M:%S %Y", text, &parsed, &error)) return parsed;
  return std::nullopt;
}

}  // namespace

absl::Duration BackoffDelay(const RetryPolicy& policy, int next_attempt, double unit_random) {
  const double cap = absl::ToDoubleSeconds(policy.max_backoff);
  double seconds = absl::ToDoubleSeconds(policy.initial_backoff) *
                   std::pow(policy.multiplier, std::max(0, next_attempt - 2));
  if (!(seconds <= cap)) seconds = cap;  // also catches overflow to inf and NaN
  if (!(seconds > 0)) return absl::ZeroDuration();
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  const double draw = std::isfinite(unit_random) ? std::clamp(unit_random, 0.0, 1.0) : 0.5;
  return absl::Seconds(seconds * (1.0 - jitter + 2.0 * jitter * draw));
}

std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now) {
  absl::string_view text = absl::StripAsciiWhitespace(AsAbsl(value));
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), absl::ascii_isdigit)) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(text, &seconds)) return std::nullopt;  // more digits than int64
    return absl::Seconds(seconds);
  }
  std::optional<absl::Time> when = ParseHttpDate(text, now);
  if (!when.has_value()) return std::nullopt;
  return std::max(absl::ZeroDuration(), *when - now);
}

RetryPlan PlanRetry(const RetryPolicy& policy, int failed_attempt, const absl::Status& error,
                    absl::Time now, absl::Time deadline, absl::FunctionRef<double()> unit_random) {
  if (failed_attempt >= policy.max_attempts) return {RetryPlan::Verdict::kNoAttemptsLeft, {}};
  absl::Duration delay = BackoffDelay(policy, failed_attempt + 1, unit_random());
  if (std::optional<absl::Duration> retry_after = RetryAfterOf(error)) {
    delay = std::max(delay, std::min(*retry_after, policy.max_retry_after));
  }
  // An attempt that could only start once the deadline has passed would be cancelled at once.
  if (now + delay >= deadline) return {RetryPlan::Verdict::kPastDeadline, delay};
  return {RetryPlan::Verdict::kRetry, delay};
}

}  // namespace flowhost::sdk
