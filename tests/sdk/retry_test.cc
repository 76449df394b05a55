#include "flowhost/sdk/retry.h"

#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowhost::sdk {
namespace {

RetryPolicy NoJitter(int max_attempts) {
  RetryPolicy policy;
  policy.max_attempts = max_attempts;
  policy.initial_backoff = absl::Seconds(1);
  policy.max_backoff = absl::Seconds(30);
  policy.multiplier = 2.0;
  policy.jitter = 0.0;
  return policy;
}

TEST(BackoffDelayTest, GrowsGeometricallyFromTheInitialDelay) {
  RetryPolicy policy = NoJitter(10);
  EXPECT_EQ(BackoffDelay(policy, 2, 0.3), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(policy, 3, 0.3), absl::Seconds(2));
  EXPECT_EQ(BackoffDelay(policy, 4, 0.3), absl::Seconds(4));
  EXPECT_EQ(BackoffDelay(policy, 6, 0.3), absl::Seconds(16));
}

TEST(BackoffDelayTest, IsCappedAtMaxBackoffEvenForHugeAttemptNumbers) {
  RetryPolicy policy = NoJitter(10);
  EXPECT_EQ(BackoffDelay(policy, 7, 0.3), absl::Seconds(30));
  EXPECT_EQ(BackoffDelay(policy, 100000, 0.3), absl::Seconds(30));
}

TEST(BackoffDelayTest, JitterScalesTheDelayWithinPlusMinusTheJitterFraction) {
  RetryPolicy policy;  // 500ms initial, jitter 0.2
  EXPECT_EQ(BackoffDelay(policy, 2, 0.0), absl::Milliseconds(400));
  EXPECT_EQ(BackoffDelay(policy, 2, 0.5), absl::Milliseconds(500));
  std::mt19937 engine(42);
  std::uniform_real_distribution<double> draw(0.0, 1.0);
  for (int attempt = 2; attempt < 12; ++attempt) {
    absl::Duration base =
        std::min(absl::Milliseconds(500) * (1 << (attempt - 2)), absl::Seconds(30));
    for (int i = 0; i < 200; ++i) {
      absl::Duration delay = BackoffDelay(policy, attempt, draw(engine));
      EXPECT_GE(delay, base * 0.8);
      EXPECT_LE(delay, base * 1.2);
    }
  }
}

TEST(BackoffDelayTest, TreatsAttemptsBelowTwoAsTheFirstRetry) {
  EXPECT_EQ(BackoffDelay(NoJitter(3), 1, 0.5), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(NoJitter(3), -4, 0.5), absl::Seconds(1));
}

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2015, 10, 21, 7, 20, 0), absl::UTCTimeZone());

TEST(ParseRetryAfterTest, ReadsDeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("120", kNow), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 7 ", kNow), absl::Seconds(7));
  EXPECT_EQ(ParseRetryAfter("0", kNow), absl::ZeroDuration());
}

TEST(ParseRetryAfterTest, ReadsAnImfFixdateRelativeToNow) {
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", kNow), absl::Minutes(8));
}

TEST(ParseRetryAfterTest, ReadsTheObsoleteRfc850AndAsctimeForms) {
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:28:00 GMT", kNow), absl::Minutes(8));
  EXPECT_EQ(ParseRetryAfter("Wed Oct 21 07:28:00 2015", kNow), absl::Minutes(8));
  absl::Time early_month = kNow - absl::Hours(24 * 20);  // 1 Oct 2015 07:20
  EXPECT_EQ(ParseRetryAfter("Thu Oct  1 07:20:30 2015", early_month), absl::Seconds(30));
}

TEST(ParseRetryAfterTest, ReadsATwoDigitYearAsNoMoreThanFiftyYearsAhead) {
  // "94" read in 2015 is 1994 (2094 would be more than 50 years ahead): in the past, so zero.
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", kNow), absl::ZeroDuration());
  // "75" read in 2070 is 2075: five years ahead is within the fifty allowed.
  absl::Time in_2070 = absl::FromCivil(absl::CivilSecond(2070, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(ParseRetryAfter("Friday, 01-Jan-75 00:00:00 GMT", in_2070),
            absl::FromCivil(absl::CivilSecond(2075, 1, 1, 0, 0, 0), absl::UTCTimeZone()) - in_2070);
}

TEST(ParseRetryAfterTest, GivesZeroForADateInThePast) {
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", kNow), absl::ZeroDuration());
}

TEST(ParseRetryAfterTest, RejectsAnythingElse) {
  for (const char* garbage :
       {"", "   ", "soon", "-5", "1.5", "+3", "12abc", "99999999999999999999999999",
        "Wed, 21 Oct 2015 07:28:00", "Wed, 21 Oct 2015 07:28:00 PST",
        "Wed, 21 Oct 2015 07:28:00 GMT x", "2015-10-21T07:28:00Z"}) {
    EXPECT_EQ(ParseRetryAfter(garbage, kNow), std::nullopt) << "'" << garbage << "'";
  }
}

// PlanRetry: the back-off against the error's Retry-After, the attempts and the deadline. The
// executor's and the router's retry loops rely on it (tests/executor/executor_retry_test.cc and
// tests/nodes/router/ run those loops).
const absl::Time kStart = absl::FromUnixSeconds(1'000'000);

absl::Status RateLimited(absl::Duration retry_after) {
  return NodeError(absl::StatusCode::kResourceExhausted, error_class::kRateLimited, "slow down",
                   nullptr, retry_after);
}

RetryPlan Plan(const RetryPolicy& policy, int failed_attempt, const absl::Status& error,
               absl::Time deadline = absl::InfiniteFuture()) {
  return PlanRetry(policy, failed_attempt, error, kStart, deadline, [] { return 0.5; });
}

TEST(PlanRetryTest, RetriesAfterTheBackoffOfTheNextAttempt) {
  const absl::Status down = absl::UnavailableError("down");
  for (auto [failed, delay] : std::vector<std::pair<int, absl::Duration>>{
           {1, absl::Seconds(1)}, {2, absl::Seconds(2)}, {3, absl::Seconds(4)}}) {
    RetryPlan plan = Plan(NoJitter(4), failed, down);
    EXPECT_EQ(plan.verdict, RetryPlan::Verdict::kRetry) << failed;
    EXPECT_EQ(plan.delay, delay) << failed;
  }
}

TEST(PlanRetryTest, HasNoAttemptLeftOnceMaxAttemptsHaveBeenMade) {
  EXPECT_EQ(Plan(NoJitter(3), 3, absl::UnavailableError("down")).verdict,
            RetryPlan::Verdict::kNoAttemptsLeft);
  EXPECT_EQ(Plan(NoJitter(1), 1, absl::UnavailableError("down")).verdict,
            RetryPlan::Verdict::kNoAttemptsLeft);
  EXPECT_EQ(Plan(NoJitter(0), 1, absl::UnavailableError("down")).verdict,
            RetryPlan::Verdict::kNoAttemptsLeft);
}

TEST(PlanRetryTest, DrawsTheJitterOnlyWhenThereIsAnAttemptLeft) {
  int draws = 0;
  auto draw = [&draws] {
    ++draws;
    return 0.0;
  };
  RetryPolicy policy;  // 500ms, jitter 0.2
  policy.max_attempts = 2;
  EXPECT_EQ(
      PlanRetry(policy, 2, absl::UnavailableError("down"), kStart, absl::InfiniteFuture(), draw)
          .verdict,
      RetryPlan::Verdict::kNoAttemptsLeft);
  EXPECT_EQ(draws, 0);
  EXPECT_EQ(
      PlanRetry(policy, 1, absl::UnavailableError("down"), kStart, absl::InfiniteFuture(), draw)
          .delay,
      absl::Milliseconds(400));
  EXPECT_EQ(draws, 1);
}

TEST(PlanRetryTest, WaitsTheRetryAfterWhenItIsLongerThanTheBackoff) {
  RetryPlan plan = Plan(NoJitter(3), 1, RateLimited(absl::Seconds(10)));
  EXPECT_EQ(plan.verdict, RetryPlan::Verdict::kRetry);
  EXPECT_EQ(plan.delay, absl::Seconds(10));
}

TEST(PlanRetryTest, CutsARetryAfterLongerThanThePolicysCeiling) {
  // One answer with `Retry-After: 999999999` must not hold the work for decades.
  RetryPlan plan = Plan(NoJitter(3), 1, RateLimited(absl::Seconds(999999999)));
  EXPECT_EQ(plan.verdict, RetryPlan::Verdict::kRetry);
  EXPECT_EQ(plan.delay, kDefaultMaxRetryAfter);

  RetryPolicy policy = NoJitter(3);
  policy.max_retry_after = absl::Seconds(20);
  EXPECT_EQ(Plan(policy, 1, RateLimited(absl::Hours(2))).delay, absl::Seconds(20));
  EXPECT_EQ(Plan(policy, 1, RateLimited(absl::Seconds(10))).delay, absl::Seconds(10));
}

TEST(PlanRetryTest, KeepsTheBackoffWhenTheRetryAfterIsShorter) {
  RetryPlan plan = Plan(NoJitter(3), 1, RateLimited(absl::Milliseconds(100)));
  EXPECT_EQ(plan.verdict, RetryPlan::Verdict::kRetry);
  EXPECT_EQ(plan.delay, absl::Seconds(1));
}

TEST(PlanRetryTest, GivesUpWhenTheNextAttemptCouldOnlyStartAtOrAfterTheDeadline) {
  const absl::Status down = absl::UnavailableError("down");
  // Attempt 3 fails at kStart; the next would start 4 s later.
  EXPECT_EQ(Plan(NoJitter(10), 3, down, kStart + absl::Seconds(5)).verdict,
            RetryPlan::Verdict::kRetry);
  RetryPlan at_deadline = Plan(NoJitter(10), 3, down, kStart + absl::Seconds(4));
  EXPECT_EQ(at_deadline.verdict, RetryPlan::Verdict::kPastDeadline);
  EXPECT_EQ(at_deadline.delay, absl::Seconds(4));
  EXPECT_EQ(Plan(NoJitter(10), 3, down, kStart + absl::Seconds(3)).verdict,
            RetryPlan::Verdict::kPastDeadline);
}

TEST(PlanRetryTest, ARetryAfterBeyondTheDeadlineGivesUp) {
  RetryPlan plan = Plan(NoJitter(5), 1, RateLimited(absl::Seconds(60)), kStart + absl::Seconds(30));
  EXPECT_EQ(plan.verdict, RetryPlan::Verdict::kPastDeadline);
  EXPECT_EQ(plan.delay, absl::Seconds(60));
}

}  // namespace
}  // namespace flowhost::sdk
