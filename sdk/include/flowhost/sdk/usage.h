// What a node reports about each upstream call it made, so that the execution record carries
// per-attempt, per-node and total tokens and cost. LLM nodes call NodeContext::RecordAttempt once
// per upstream call, successful or not, stopped ones included, and before they call their `done`
// (the record is final once every node attempt has returned); other nodes usually never do.
#ifndef FLOWHOST_SDK_USAGE_H_
#define FLOWHOST_SDK_USAGE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/sdk/error.h"

namespace flowhost::sdk {

// The words of AttemptRecord::outcome.
namespace outcome {
inline constexpr std::string_view kOk = "ok";
inline constexpr std::string_view kError = "error";         // the upstream or the network failed it
inline constexpr std::string_view kTimedOut = "timed_out";  // a timeout or deadline stopped it
inline constexpr std::string_view kCancelled = "cancelled";  // a cancellation stopped it
inline constexpr std::string_view kRejected = "rejected";    // the answer failed an accept check
inline constexpr std::string_view kSkipped = "skipped";  // never sent (e.g. a route cooling down)
}  // namespace outcome

// The outcome of a call that our own cancellation stopped before it finished, from the token's
// reason: timed_out for a timeout or deadline (the node's, a route's, the execution's, the
// caller's), cancelled otherwise.
inline std::string_view StoppedOutcome(const absl::Status& reason) {
  return reason.code() == absl::StatusCode::kDeadlineExceeded ||
                 ErrorClassOf(reason) == error_class::kTimeout
             ? outcome::kTimedOut
             : outcome::kCancelled;
}

struct AttemptRecord {
  std::string route;        // which route or configuration made the call (router), else empty
  std::string model;        // the model asked for, or the one that answered when known
  std::string provider;     // the upstream provider that answered, when known
  std::string outcome;      // one of the words of `outcome` above
  std::string error_class;  // error.h class when outcome is not "ok"
  std::string error_message;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
  absl::Duration latency;
  size_t item_index = 0;  // the input item the call was for
  int attempt = 0;        // the node attempt that made the call; the host fills it in
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_USAGE_H_
