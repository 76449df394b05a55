// Durations as workflow files write them: "250ms", "30s", "2m", "1h", combinations ("1m30s"),
// decimals ("1.5s"), or a plain number of seconds (30, 0.25).
//
// Thread-safety: pure function.
#ifndef FLOWHOST_SERVER_WORKFLOW_DURATION_H_
#define FLOWHOST_SERVER_WORKFLOW_DURATION_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"

namespace flowhost::workflow {

// INVALID_ARGUMENT with a message for a workflow author when `value` is not a duration, is
// negative, or is longer than a year.
absl::StatusOr<absl::Duration> ParseDuration(const sdk::Json& value);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_DURATION_H_
