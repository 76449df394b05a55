#include "flowhost/sdk/retry.h"

#include <optional>
#include <random>
#include <vector>

#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/clocks.h"
#include "server/common/manual_scheduler.h"

namespace flowhost::sdk {
namespace {

using ::testing::ElementsAre;

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

// Drives RetryLoop on a manual clock: records when each attempt started and what `done` received.
class RetryLoopTest : public ::testing::Test {
 protected:
  // Runs a loop whose attempts fail with `failure` (the first `failures` of them) and then succeed.
  void RunLoop(
      RetryPolicy policy, CancellationToken token, int failures, absl::Status failure,
      RetryLoop::Retryable retryable = [](const absl::Status&) { return true; }) {
    RetryLoop::Run(
        scheduler_, std::move(token), policy,
        [this, failures, failure](int n, RetryLoop::Finish finish) {
          attempt_times_.push_back(clock_.Now() - start_);
          attempt_numbers_.push_back(n);
          if (n <= failures) {
            finish(failure);
          } else {
            finish(absl::OkStatus());
          }
        },
        std::move(retryable),
        [this](absl::Status status, int attempts) {
          result_ = status;
          attempts_ = attempts;
          ++done_calls_;
        },
        [] { return 0.5; });
  }

  // Advances time until the loop is done (or nothing is left to run).
  void RunToCompletion() {
    scheduler_.RunUntilIdle();
    while (done_calls_ == 0 && scheduler_.AdvanceToNextTimer()) {
    }
  }

  common::ManualClock clock_;
  common::ManualScheduler scheduler_{&clock_};
  const absl::Time start_ = clock_.Now();
  std::vector<absl::Duration> attempt_times_;
  std::vector<int> attempt_numbers_;
  std::optional<absl::Status> result_;
  int attempts_ = -1;
  int done_calls_ = 0;
};

TEST_F(RetryLoopTest, ReportsSuccessOfTheFirstAttemptOnThePoolNotInline) {
  RunLoop(NoJitter(3), CancellationToken(), 0, absl::OkStatus());
  EXPECT_EQ(done_calls_, 0) << "done must not run inline";
  scheduler_.RunUntilIdle();
  EXPECT_EQ(done_calls_, 1);
  EXPECT_TRUE(result_->ok());
  EXPECT_EQ(attempts_, 1);
}

TEST_F(RetryLoopTest, RetriesAfterExactlyTheBackoffDelays) {
  RunLoop(NoJitter(4), CancellationToken(), 3, absl::UnavailableError("reset"));
  RunToCompletion();
  EXPECT_THAT(attempt_times_, ElementsAre(absl::ZeroDuration(), absl::Seconds(1), absl::Seconds(3),
                                          absl::Seconds(7)));
  EXPECT_THAT(attempt_numbers_, ElementsAre(1, 2, 3, 4));
  EXPECT_TRUE(result_->ok());
  EXPECT_EQ(attempts_, 4);
  EXPECT_EQ(done_calls_, 1);
}

TEST_F(RetryLoopTest, ReturnsTheLastFailureWhenAttemptsRunOut) {
  RunLoop(NoJitter(3), CancellationToken(), 100, absl::UnavailableError("still down"));
  RunToCompletion();
  EXPECT_EQ(attempt_numbers_.size(), 3u);
  EXPECT_EQ(result_->code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(result_->message(), "still down");
  EXPECT_EQ(attempts_, 3);
  EXPECT_EQ(scheduler_.pending_timers(), 0u);
}

TEST_F(RetryLoopTest, HonoursRetryAfterAsALowerBoundOfTheDelay) {
  absl::Status rate_limited =
      NodeError(absl::StatusCode::kResourceExhausted, error_class::kRateLimited, "slow down",
                nullptr, absl::Seconds(10));
  RunLoop(NoJitter(3), CancellationToken(), 1, rate_limited);
  RunToCompletion();
  EXPECT_THAT(attempt_times_, ElementsAre(absl::ZeroDuration(), absl::Seconds(10)));
  EXPECT_TRUE(result_->ok());
}

TEST_F(RetryLoopTest, KeepsTheBackoffWhenRetryAfterIsShorter) {
  absl::Status rate_limited =
      NodeError(absl::StatusCode::kResourceExhausted, error_class::kRateLimited, "slow down",
                nullptr, absl::Milliseconds(100));
  RunLoop(NoJitter(3), CancellationToken(), 1, rate_limited);
  RunToCompletion();
  EXPECT_THAT(attempt_times_, ElementsAre(absl::ZeroDuration(), absl::Seconds(1)));
}

TEST_F(RetryLoopTest, StopsAtOnceOnANonRetryableFailure) {
  RunLoop(NoJitter(5), CancellationToken(), 100, absl::InvalidArgumentError("bad request"),
          [](const absl::Status& status) {
            return status.code() != absl::StatusCode::kInvalidArgument;
          });
  RunToCompletion();
  EXPECT_EQ(attempts_, 1);
  EXPECT_EQ(result_->code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler_.pending_timers(), 0u);
}

TEST_F(RetryLoopTest, NeverSchedulesARetryPastTheDeadline) {
  CancellationSource source(clock_.Now() + absl::Seconds(5));
  RunLoop(NoJitter(10), source.token(), 100, absl::UnavailableError("down"));
  RunToCompletion();
  // Attempts at 0, 1 and 3 s; the next would start at 7 s, after the 5 s deadline.
  EXPECT_THAT(attempt_times_,
              ElementsAre(absl::ZeroDuration(), absl::Seconds(1), absl::Seconds(3)));
  EXPECT_EQ(result_->code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(attempts_, 3);
  EXPECT_EQ(clock_.Now() - start_, absl::Seconds(3)) << "gave up without waiting";
}

TEST_F(RetryLoopTest, RetryAfterBeyondTheDeadlineEndsTheLoop) {
  CancellationSource source(clock_.Now() + absl::Seconds(30));
  absl::Status rate_limited =
      NodeError(absl::StatusCode::kResourceExhausted, error_class::kRateLimited, "slow down",
                nullptr, absl::Seconds(60));
  RunLoop(NoJitter(5), source.token(), 100, rate_limited);
  RunToCompletion();
  EXPECT_EQ(attempts_, 1);
  EXPECT_EQ(ErrorClassOf(*result_), error_class::kRateLimited);
  EXPECT_EQ(RetryAfterOf(*result_), absl::Seconds(60));
}

TEST_F(RetryLoopTest, CancelDuringTheBackoffEndsAtOnceWithTheTokensReason) {
  CancellationSource source;
  RunLoop(NoJitter(5), source.token(), 100, absl::UnavailableError("down"));
  scheduler_.RunUntilIdle();
  ASSERT_EQ(attempt_numbers_.size(), 1u);
  ASSERT_EQ(scheduler_.pending_timers(), 1u) << "waiting for the back-off";
  scheduler_.AdvanceBy(absl::Milliseconds(400));

  source.Cancel(absl::CancelledError("caller went away"));
  scheduler_.RunUntilIdle();
  EXPECT_EQ(done_calls_, 1);
  EXPECT_EQ(result_->code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(result_->message(), "caller went away");
  EXPECT_EQ(attempts_, 1);
  EXPECT_EQ(scheduler_.pending_timers(), 0u) << "the back-off timer was cancelled";
  EXPECT_EQ(clock_.Now() - start_, absl::Milliseconds(400));

  scheduler_.AdvanceBy(absl::Minutes(1));
  EXPECT_EQ(attempt_numbers_.size(), 1u) << "no attempt after the cancel";
  EXPECT_EQ(done_calls_, 1);
}

TEST_F(RetryLoopTest, DoesNotStartWhenTheTokenIsAlreadyCancelled) {
  CancellationSource source;
  source.Cancel(absl::DeadlineExceededError("execution deadline passed"));
  RunLoop(NoJitter(5), source.token(), 0, absl::OkStatus());
  scheduler_.RunUntilIdle();
  EXPECT_TRUE(attempt_numbers_.empty());
  EXPECT_EQ(result_->code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(attempts_, 0);
}

TEST_F(RetryLoopTest, AcceptsAFinishCalledLaterAndIgnoresASecondCall) {
  RetryLoop::Finish saved;
  RetryLoop::Run(
      scheduler_, CancellationToken(), NoJitter(3),
      [&saved](int n, RetryLoop::Finish finish) { saved = std::move(finish); },
      [](const absl::Status&) { return true; },
      [this](absl::Status status, int attempts) {
        result_ = status;
        attempts_ = attempts;
        ++done_calls_;
      });
  scheduler_.RunUntilIdle();
  EXPECT_EQ(done_calls_, 0);
  saved(absl::OkStatus());
  saved(absl::UnavailableError("late duplicate"));
  scheduler_.RunUntilIdle();
  EXPECT_EQ(done_calls_, 1);
  EXPECT_EQ(attempts_, 1);
  EXPECT_TRUE(result_->ok()) << "the duplicate finish was ignored";
}

}  // namespace
}  // namespace flowhost::sdk
