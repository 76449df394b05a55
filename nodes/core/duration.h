// Durations as workflow authors write them: "250ms", "1.5s", "2m", "1h30m", or a number of seconds.
//
// Thread-safety: pure function.
#ifndef FLOWHOST_NODES_CORE_DURATION_H_
#define FLOWHOST_NODES_CORE_DURATION_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"

namespace flowhost::nodes::core {

// A finite, non-negative duration, or INVALID_ARGUMENT saying what was wrong with `value`.
absl::StatusOr<absl::Duration> ParseDurationValue(const sdk::Json& value);

}  // namespace flowhost::nodes::core

#endif  // FLOWHOST_NODES_CORE_DURATION_H_
