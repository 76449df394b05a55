#include "server/workflow/duration.h"

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "server/workflow/describe.h"

namespace flowhost::workflow {
namespace {

constexpr double kMaxSeconds = 366.0 * 24 * 3600;

absl::Status NotADuration(const sdk::Json& value) {
  return absl::InvalidArgumentError(
      absl::StrCat("expected a duration such as \"500ms\", \"30s\", \"2m\", \"1h\" or a number of "
                   "seconds, got ",
                   DescribeValue(value)));
}

// Seconds in "1m30s"-style text, or a negative number when it is not one.
double ParseSeconds(std::string_view text) {
  if (text.empty()) return -1;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t begin = i;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    if (i == begin) return -1;
    double number = 0;
    auto [ptr, ec] = std::from_chars(text.data() + begin, text.data() + i, number);
    if (ec != std::errc() || ptr != text.data() + i) return -1;
    std::string_view rest = text.substr(i);
    double unit = 0;
    if (rest.substr(0, 2) == "ms") {
      unit = 0.001;
      i += 2;
    } else if (rest.substr(0, 1) == "s") {
      unit = 1;
      i += 1;
    } else if (rest.substr(0, 1) == "m") {
      unit = 60;
      i += 1;
    } else if (rest.substr(0, 1) == "h") {
      unit = 3600;
      i += 1;
    } else {
      return -1;
    }
    total += number * unit;
  }
  return total;
}

}  // namespace

absl::StatusOr<absl::Duration> ParseDuration(const sdk::Json& value) {
  double seconds = 0;
  if (value.is_number()) {
    seconds = value.get<double>();
    if (seconds < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("a duration must not be negative, got ", DescribeValue(value)));
    }
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (!text.empty() && text.front() == '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("a duration must not be negative, got ", DescribeValue(value)));
    }
    seconds = ParseSeconds(text);
    if (seconds < 0) return NotADuration(value);
  } else {
    return NotADuration(value);
  }
  if (!std::isfinite(seconds) || seconds > kMaxSeconds) {
    return absl::InvalidArgumentError(
        absl::StrCat("a duration must be at most a year, got ", DescribeValue(value)));
  }
  return absl::Seconds(seconds);
}

}  // namespace flowhost::workflow
