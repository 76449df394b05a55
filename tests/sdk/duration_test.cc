// The one duration grammar (flowhost/sdk/duration.h), as a table: what is read and as what, what is
// refused and what the message says.
#include "flowhost/sdk/duration.h"

#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowhost::sdk {
namespace {

using ::testing::HasSubstr;

struct Accepted {
  Json written;
  absl::Duration means;
};

TEST(DurationGrammar, ReadsEveryUnitCombinationDecimalAndNumberOfSeconds) {
  const std::vector<Accepted> table = {
      // Each unit.
      {"100ns", absl::Nanoseconds(100)},
      {"100us", absl::Microseconds(100)},
      {"100\u00b5s", absl::Microseconds(100)},
      {"100\u03bcs", absl::Microseconds(100)},
      {"250ms", absl::Milliseconds(250)},
      {"30s", absl::Seconds(30)},
      {"2m", absl::Minutes(2)},
      {"1h", absl::Hours(1)},
      {"1d", absl::Hours(24)},
      // Terms add up, in any order.
      {"1m30s", absl::Seconds(90)},
      {"1h30m", absl::Minutes(90)},
      {"1d2h3m4s5ms",
       absl::Hours(26) + absl::Minutes(3) + absl::Seconds(4) + absl::Milliseconds(5)},
      {"30s1m", absl::Seconds(90)},
      {"1h1h", absl::Hours(2)},
      // Decimals, exact to the nanosecond; a fraction of a nanosecond is dropped.
      {"1.5s", absl::Milliseconds(1500)},
      {".5s", absl::Milliseconds(500)},
      {"0.1s", absl::Milliseconds(100)},
      {"1.25h", absl::Minutes(75)},
      {"0.000000001s", absl::Nanoseconds(1)},
      {"1.9ns", absl::Nanoseconds(1)},
      {"0.1234567890123456789999d", absl::Nanoseconds(10666666570666)},
      {"007s", absl::Seconds(7)},
      // Zero.
      {"0", absl::ZeroDuration()},
      {"0s", absl::ZeroDuration()},
      {"0.0ms", absl::ZeroDuration()},
      // A number is seconds.
      {30, absl::Seconds(30)},
      {0.25, absl::Milliseconds(250)},
      {0, absl::ZeroDuration()},
      {-0.0, absl::ZeroDuration()},
      // The bound itself.
      {"366d", kMaxDuration},
      {"8784h", kMaxDuration},
      {366 * 24 * 3600, kMaxDuration},
  };
  for (const Accepted& row : table) {
    absl::StatusOr<absl::Duration> parsed = ParseDuration(row.written);
    ASSERT_TRUE(parsed.ok()) << row.written << ": " << parsed.status();
    EXPECT_EQ(*parsed, row.means) << row.written;
  }
}

struct Refused {
  Json written;
  std::string message;  // a part of the error message
};

TEST(DurationGrammar, RefusesEverythingElseSayingWhatIsWrong) {
  const std::string expected =
      "expected a duration such as \"250ms\", \"30s\", \"1m30s\" or a number";
  const std::vector<Refused> table = {
      {"", expected + " of seconds, got an empty string"},
      {"30", "got \"30\": every number needs a unit (ns, us, ms, s, m, h and d)"},
      {"1.5", "got \"1.5\": every number needs a unit"},
      {"1m30", "got \"1m30\": every number needs a unit"},
      {"30sec", "got \"30sec\": unknown unit \"sec\" (the units are ns, us, ms, s, m, h and d)"},
      {"2w", "unknown unit \"w\""},
      {"5S", "unknown unit \"S\""},
      {"30 s", "got \"30 s\": write it without spaces, like \"1m30s\""},
      {" 30s", "write it without spaces"},
      {"1h 30m", "write it without spaces"},
      {"s", expected},
      {"ms30", expected},
      {"+5s", expected},
      {"1..2s", "got \"1..2s\": a '.' must be followed by digits"},
      {"5.s", "a '.' must be followed by digits"},
      {"1.2.3s", expected},
      {"inf", expected},
      {"0x10s", "unknown unit \"x\""},
      {true, expected + " of seconds, got true"},
      {nullptr, "got null"},
      {Json::array(), "got a list"},
      {Json::object(), "got an object"},
      {std::numeric_limits<double>::infinity(), "got a number that is not finite"},
      {std::numeric_limits<double>::quiet_NaN(), "got a number that is not finite"},
      // Never negative.
      {"-5s", "a duration must not be negative, got \"-5s\""},
      {"-0s", "must not be negative"},
      {-1, "a duration must not be negative, got -1"},
      {-0.5, "must not be negative"},
      // At most a year, however it is written; huge numbers do not overflow into small ones.
      {"367d", "a duration must be at most a year (366d), got \"367d\""},
      {"366d1ns", "at most a year"},
      {"9999h", "at most a year"},
      {"8784h0.000000001s", "at most a year"},
      {"99999999999999999999999999s", "at most a year"},
      {"18446744073709551617ns", "at most a year"},
      {"200d200d", "at most a year"},
      {1e300, "a duration must be at most a year (366d), got 1e+300"},
      {366 * 24 * 3600 + 1, "at most a year"},
  };
  for (const Refused& row : table) {
    absl::StatusOr<absl::Duration> parsed = ParseDuration(row.written);
    ASSERT_FALSE(parsed.ok()) << row.written << " read as " << *parsed;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << row.written;
    EXPECT_THAT(parsed.status().message(), HasSubstr(row.message)) << row.written;
  }
}

TEST(DurationGrammar, QuotesALongValueCutShort) {
  absl::StatusOr<absl::Duration> parsed = ParseDuration(std::string(10'000, 'x'));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("got \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\""));
  EXPECT_LT(parsed.status().message().size(), 300u);
}

// The cut fell inside a character (found by the host_config fuzzer's UTF-8 check).
TEST(DurationGrammar, CutsALongValueBeforeACharacterNotInsideIt) {
  absl::StatusOr<absl::Duration> parsed =
      ParseDuration(std::string(34, 'x') + "\u00e9\u00e9\u00e9\u00e9");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("got \"" + std::string(34, 'x') + "...\""));
}

TEST(DurationGrammar, ReadsTextTheSameWayAsAJsonString) {
  EXPECT_EQ(*ParseDurationText("1m30s"), absl::Seconds(90));
  EXPECT_EQ(*ParseDurationText("0"), absl::ZeroDuration());
  EXPECT_THAT(ParseDurationText("30").status().message(), HasSubstr("every number needs a unit"));
  EXPECT_THAT(ParseDurationText("-1s").status().message(), HasSubstr("must not be negative"));
}

}  // namespace
}  // namespace flowhost::sdk
