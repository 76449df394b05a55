// Retry with exponential back-off and jitter, honouring a server's `Retry-After`, capped by a deadline.
//
// Used by the executor for a node's `retry` settings and available to nodes for their own upstream
// calls. Delays come from timers on the Scheduler: no thread sleeps.
//
// Thread-safety: the free functions are pure; RetryLoop is described below.
#ifndef FLOWHOST_SDK_RETRY_H_
#define FLOWHOST_SDK_RETRY_H_

#include <functional>
#include <optional>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/scheduler.h"

namespace flowhost::sdk {

struct RetryPolicy {
  int max_attempts = 1;  // total attempts, the first included; 1 means no retry
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(30);
  double multiplier = 2.0;
  double jitter = 0.2;  // each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]
};

// The delay before attempt `next_attempt` (2 for the first retry): initial * multiplier^(next-2),
// capped at max_backoff, then jittered with `unit_random` (a uniform draw in [0, 1)).
absl::Duration BackoffDelay(const RetryPolicy& policy, int next_attempt, double unit_random);

// Parses a Retry-After header value: delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00
// GMT", also the obsolete RFC 850 and asctime forms), relative to `now`. A date in the past gives zero.
// Returns nullopt for anything else.
std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now);

// The longest Retry-After honoured by default (the host's http.max_retry_after). Providers ask for
// seconds up to a minute or two when a per-minute rate limit is hit; a daily quota's reset hours
// away is better checked again after a few minutes than trusted; and one answer carrying
// `Retry-After: 999999999` (or a date in 2099) must not bench a model for years.
inline constexpr absl::Duration kDefaultMaxRetryAfter = absl::Minutes(5);

// Runs an asynchronous operation until it succeeds, fails permanently, attempts run out, the next delay
// would pass the deadline, or the token is cancelled. The delay before a retry is the larger of the
// back-off and the error's Retry-After (RetryAfterOf). `done` receives the last status and the number
// of attempts made, exactly once, on the scheduler's pool.
//
//   attempt(n, finish): start attempt n (1-based); call finish(status) exactly once, from any thread.
//   retryable(status):  whether a failed status may be retried.
class RetryLoop {
 public:
  using Finish = absl::AnyInvocable<void(absl::Status)>;
  using Attempt = std::function<void(int attempt, Finish finish)>;
  using Retryable = std::function<bool(const absl::Status&)>;
  using Done = absl::AnyInvocable<void(absl::Status status, int attempts)>;

  static void Run(Scheduler& scheduler, CancellationToken token, RetryPolicy policy,
                  Attempt attempt, Retryable retryable, Done done,
                  std::function<double()> unit_random = nullptr);
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_RETRY_H_
