// What one finished call reports to the load driver, and the clock every time stamp is taken on.
//
// Plain data; made on whatever thread finished the call and handed over by value.
#ifndef FLOWHOST_BENCH_LOADGEN_CALL_OUTCOME_H_
#define FLOWHOST_BENCH_LOADGEN_CALL_OUTCOME_H_

#include <chrono>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"

namespace flowhost::bench {

// Monotonic, so a clock step cannot bend a latency.
using LoadClock = std::chrono::steady_clock;

struct CallOutcome {
  // The gRPC status code name ("OK", "UNAVAILABLE", ...) or, for HTTP, "HTTP_<status>" (or the
  // client's error code name when no response arrived).
  std::string code;
  bool ok = false;
  // When the first token arrived (StreamWorkflow: the first TokenDelta; HTTP: the first SSE content
  // delta); unset for calls that stream nothing.
  std::optional<LoadClock::time_point> first_token_at;
};

// Runs exactly once per call, on a thread of the call target's choosing.
using CallDone = absl::AnyInvocable<void(CallOutcome outcome) &&>;

}  // namespace flowhost::bench

#endif  // FLOWHOST_BENCH_LOADGEN_CALL_OUTCOME_H_
