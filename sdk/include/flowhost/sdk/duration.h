// Durations: the one grammar flowhost reads them in, wherever they are written — a workflow's
// `timeout` and `retry` back-offs, a `wait` node's `duration`, a router's route `timeout` and
// `cooldown`, the host's configuration and the CLI's `--timeout` flags.
//
//   a number              seconds: 30, 0.25 (a JSON/YAML number, not a string)
//   a string of terms     each a decimal number and a unit, no spaces: "250ms", "1.5s", "1h30m"
//   units                 ns, us (also µs), ms, s, m (minutes), h, d (24 hours)
//   "0"                   zero, the one string without a unit
//
// A number of terms add up ("1m30s" is 90 s; "1h1h" is 2 h). A decimal is digits with an optional
// fraction (".5s" and "1.25h" too); fractions of a nanosecond are dropped. A duration is never
// negative ("-5s" and -1 are refused) and at most kMaxDuration. Anything else is INVALID_ARGUMENT
// with a message for the author naming the value and what is wrong with it ("30" needs a unit,
// "30sec" has an unknown unit); the caller adds where it was written.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SDK_DURATION_H_
#define FLOWHOST_SDK_DURATION_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

// The longest duration accepted: a year, leap years included (366 days).
inline constexpr absl::Duration kMaxDuration = absl::Hours(24 * 366);

// A duration written as a JSON value: a number of seconds or a string in the grammar above.
absl::StatusOr<absl::Duration> ParseDuration(const Json& value);

// A duration written as text (a configuration value, a flag): the string grammar above. Plain
// numbers are refused here like in a string ("30" needs a unit), except "0".
absl::StatusOr<absl::Duration> ParseDurationText(std::string_view text);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_DURATION_H_
