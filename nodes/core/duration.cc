#include "nodes/core/duration.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace flowhost::nodes::core {

absl::StatusOr<absl::Duration> ParseDurationValue(const sdk::Json& value) {
  absl::Duration duration;
  if (value.is_number()) {
    double seconds = value.get<double>();
    if (!std::isfinite(seconds)) return absl::InvalidArgumentError("a duration must be finite");
    duration = absl::Seconds(seconds);
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (!absl::ParseDuration(text, &duration) || duration == absl::InfiniteDuration() ||
        duration == -absl::InfiniteDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "' is not a duration: write it like 250ms, 1.5s, 2m or 1h30m"));
    }
  } else {
    return absl::InvalidArgumentError(
        "a duration is a string such as \"1.5s\" or a number of seconds");
  }
  if (duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("a duration must not be negative");
  }
  return duration;
}

}  // namespace flowhost::nodes::core
