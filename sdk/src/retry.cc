#include "flowhost/sdk/retry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"

namespace flowhost::sdk {
namespace {

double DefaultUnitRandom() {
  thread_local std::mt19937_64 engine(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

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

// The state of one RetryLoop::Run. Shared by the attempt's finish callback, the back-off timer and
// the cancellation callback; whichever acts first in a phase wins, the others see the phase moved
// on.
class RetryState : public std::enable_shared_from_this<RetryState> {
 public:
  RetryState(Scheduler& scheduler, CancellationToken token, RetryPolicy policy,
             RetryLoop::Attempt attempt, RetryLoop::Retryable retryable, RetryLoop::Done done,
             std::function<double()> unit_random)
      : scheduler_(scheduler),
        token_(std::move(token)),
        policy_(policy),
        attempt_(std::move(attempt)),
        retryable_(std::move(retryable)),
        done_(std::move(done)),
        unit_random_(unit_random ? std::move(unit_random) : DefaultUnitRandom) {}

  void StartAttempt(int n) {
    if (token_.cancelled()) {
      Complete(token_.reason(), n - 1);
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      phase_ = Phase::kAttempting;
      attempts_ = n;
    }
    attempt_(n, [self = shared_from_this(), n](absl::Status status) {
      self->OnAttemptFinished(n, std::move(status));
    });
  }

 private:
  enum class Phase { kAttempting, kWaiting, kDone };

  void OnAttemptFinished(int n, absl::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (phase_ != Phase::kAttempting || attempts_ != n) return;  // finish called twice
    }
    if (status.ok()) return Complete(std::move(status), n);
    if (token_.cancelled()) return Complete(token_.reason(), n);
    if (n >= std::max(1, policy_.max_attempts) || !retryable_ || !retryable_(status)) {
      return Complete(std::move(status), n);
    }
    absl::Duration delay = BackoffDelay(policy_, n + 1, unit_random_());
    if (std::optional<absl::Duration> retry_after = RetryAfterOf(status)) {
      delay = std::max(delay, *retry_after);
    }
    // A retry that could only start after the deadline is pointless: report the last failure now.
    if (scheduler_.clock().Now() + delay > token_.deadline()) return Complete(std::move(status), n);

    {
      absl::MutexLock lock(&mu_);
      phase_ = Phase::kWaiting;
    }
    // Registered outside the lock: OnCancel runs the callback inline when already cancelled.
    CancellationToken::CallbackId cancel_id =
        token_.OnCancel([self = shared_from_this()]() { self->OnCancelledWhileWaiting(); });
    absl::MutexLock lock(&mu_);
    if (phase_ != Phase::kWaiting) return;  // cancelled inline just now
    cancel_id_ = cancel_id;
    timer_ = scheduler_.RunAfter(delay, [self = shared_from_this(), n]() { self->OnTimer(n); });
  }

  void OnTimer(int n) {
    CancellationToken::CallbackId cancel_id;
    {
      absl::MutexLock lock(&mu_);
      if (phase_ != Phase::kWaiting) return;
      phase_ = Phase::kAttempting;
      cancel_id = cancel_id_;
      timer_ = 0;
    }
    token_.Unregister(cancel_id);
    StartAttempt(n + 1);
  }

  void OnCancelledWhileWaiting() {
    TimerId timer;
    int attempts;
    {
      absl::MutexLock lock(&mu_);
      if (phase_ != Phase::kWaiting) return;
      phase_ = Phase::kDone;
      timer = timer_;
      attempts = attempts_;
    }
    if (timer != 0) scheduler_.Cancel(timer);
    Post(token_.reason(), attempts);
  }

  void Complete(absl::Status status, int attempts) {
    {
      absl::MutexLock lock(&mu_);
      if (phase_ == Phase::kDone) return;
      phase_ = Phase::kDone;
    }
    Post(std::move(status), attempts);
  }

  void Post(absl::Status status, int attempts) {
    scheduler_.Post([done = std::move(done_), status = std::move(status), attempts]() mutable {
      done(std::move(status), attempts);
    });
  }

  Scheduler& scheduler_;
  const CancellationToken token_;
  const RetryPolicy policy_;
  RetryLoop::Attempt attempt_;
  RetryLoop::Retryable retryable_;
  RetryLoop::Done done_;  // moved out by the single Post
  std::function<double()> unit_random_;

  absl::Mutex mu_;
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kAttempting;
  int attempts_ ABSL_GUARDED_BY(mu_) = 0;
  TimerId timer_ ABSL_GUARDED_BY(mu_) = 0;
  CancellationToken::CallbackId cancel_id_ ABSL_GUARDED_BY(mu_) = 0;
};

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

void RetryLoop::Run(Scheduler& scheduler, CancellationToken token, RetryPolicy policy,
                    Attempt attempt, Retryable retryable, Done done,
                    std::function<double()> unit_random) {
  auto state =
      std::make_shared<RetryState>(scheduler, std::move(token), policy, std::move(attempt),
                                   std::move(retryable), std::move(done), std::move(unit_random));
  state->StartAttempt(1);
}

}  // namespace flowhost::sdk
