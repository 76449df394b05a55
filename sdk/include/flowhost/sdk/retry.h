// Retry with exponential back-off and jitter, honouring a server's `Retry-After`, capped by a
// deadline: the one computation of when (and whether) to try again. The executor runs the retry
// loop for a node's `retry` settings (server/executor/node_invocation.h) and the fallback router
// for a route's own `attempts` (nodes/router/route_walk.cc); both ask PlanRetry, so the back-off
// and Retry-After rules exist once. Waiting is the caller's: a timer on the Scheduler, never a
// sleep.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SDK_RETRY_H_
#define FLOWHOST_SDK_RETRY_H_

#include <optional>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace flowhost::sdk {

// The longest Retry-After honoured by default (the host's http.max_retry_after). Providers ask for
// seconds up to a minute or two when a per-minute rate limit is hit; a daily quota's reset hours
// away is better checked again after a few minutes than trusted; and one answer carrying
// `Retry-After: 999999999` (or a date in 2099) must not bench a model for years.
inline constexpr absl::Duration kDefaultMaxRetryAfter = absl::Minutes(5);

struct RetryPolicy {
  int max_attempts = 1;  // total attempts, the first included; 1 means no retry
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(30);
  double multiplier = 2.0;
  double jitter = 0.2;  // each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]
  absl::Duration max_retry_after = kDefaultMaxRetryAfter;  // an error's Retry-After is cut to this
};

// The delay before attempt `next_attempt` (2 for the first retry): initial * multiplier^(next-2),
// capped at max_backoff, then jittered with `unit_random` (a uniform draw in [0, 1)).
absl::Duration BackoffDelay(const RetryPolicy& policy, int next_attempt, double unit_random);

// Parses a Retry-After header value: delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015
// 07:28:00 GMT", also the obsolete RFC 850 and asctime forms), relative to `now`. A date in the
// past gives zero. Returns nullopt for anything else.
std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now);

// What to do once attempt `failed_attempt` (1 for the first) has failed with `error`. The caller
// has already decided that `error` may be retried at all (by its class) and that the work is not
// cancelled.
struct RetryPlan {
  enum class Verdict {
    kRetry,           // wait `delay`, then make attempt failed_attempt + 1
    kNoAttemptsLeft,  // the policy's max_attempts are used up
    kPastDeadline,    // the next attempt could only start at or after the deadline: give up now
  };
  Verdict verdict = Verdict::kNoAttemptsLeft;
  // kRetry and kPastDeadline: the larger of the back-off (BackoffDelay) and the error's
  // Retry-After (RetryAfterOf) cut to policy.max_retry_after. Zero for kNoAttemptsLeft.
  absl::Duration delay;
};

// The plan after a failed attempt, for work that must be done by `deadline` (InfiniteFuture for
// none) at time `now`. `unit_random` is a uniform draw in [0, 1) for the jitter, called only when
// there is an attempt left.
RetryPlan PlanRetry(const RetryPolicy& policy, int failed_attempt, const absl::Status& error,
                    absl::Time now, absl::Time deadline, absl::FunctionRef<double()> unit_random);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_RETRY_H_
