// `wait` (a timer, not a sleep; cancellation ends it at once), `fail` and `noop`.
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/core/node_test_host.h"

namespace flowhost::nodes::core::testing {
namespace {

using ::testing::ElementsAre;

TEST(WaitNode, PassesItemsThroughOnceTheDelayHasPassed) {
  NodeTestHost host;
  auto running = host.Start("wait", {{"duration", "1.5s"}}, {{{{"a", 1}}}});
  host.scheduler.RunUntilIdle();
  EXPECT_EQ(host.scheduler.pending_timers(), 1u);
  host.scheduler.AdvanceBy(absl::Milliseconds(1500) - absl::Nanoseconds(1));
  EXPECT_FALSE(running->result.has_value());
  host.scheduler.AdvanceBy(absl::Nanoseconds(1));
  ASSERT_TRUE(running->result.has_value());
  ASSERT_TRUE(running->result->ok());
  EXPECT_THAT(OutputOf(*running->result), ElementsAre(Json{{"a", 1}}));
  EXPECT_EQ(running->completions, 1);
}

TEST(WaitNode, ANumberIsASecondsCount) {
  NodeTestHost host;
  auto running = host.Start("wait", {{"duration", 2}}, {{Json::object()}});
  host.scheduler.AdvanceBy(absl::Seconds(2));
  ASSERT_TRUE(running->result.has_value());
  EXPECT_TRUE(running->result->ok());
}

TEST(WaitNode, CancellationEndsTheWaitAtOnceWithItsReason) {
  NodeTestHost host;
  auto running = host.Start("wait", {{"duration", "1h"}}, {{Json::object()}});
  running->Cancel(absl::DeadlineExceededError("out of time"));
  ASSERT_TRUE(running->result.has_value());
  EXPECT_EQ(running->result->status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(running->result->status().message(), "out of time");
  EXPECT_EQ(host.scheduler.pending_timers(), 0u);
  host.scheduler.AdvanceBy(absl::Hours(2));
  EXPECT_EQ(running->completions, 1);
}

TEST(WaitNode, AnAlreadyCancelledTokenEndsTheWaitImmediately) {
  NodeTestHost host;
  auto running =
      host.Start("wait", {{"duration", "10s"}}, {{Json::object()}}, absl::CancelledError("gone"));
  ASSERT_TRUE(running->result.has_value());
  EXPECT_EQ(running->result->status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(host.scheduler.pending_timers(), 0u);
  host.scheduler.AdvanceBy(absl::Seconds(20));
  EXPECT_EQ(running->completions, 1);
}

TEST(WaitNode, ACancellationAfterTheWaitEndedChangesNothing) {
  NodeTestHost host;
  auto running = host.Start("wait", {{"duration", "1s"}}, {{Json::object()}});
  host.scheduler.AdvanceBy(absl::Seconds(1));
  running->Cancel(absl::CancelledError("late"));
  EXPECT_EQ(running->completions, 1);
  EXPECT_TRUE(running->result->ok());
}

TEST(WaitNode, OffersTheHostToParkUntilItsWakeUpTimeAndStillWaitsWhenRefused) {
  NodeTestHost host;
  absl::Time started = host.clock.Now();
  auto running = host.Start("wait", {{"duration", "10m"}}, {{Json::object()}});
  ASSERT_EQ(host.parks.size(), 1u);
  EXPECT_EQ(host.parks[0], started + absl::Minutes(10));
  host.scheduler.AdvanceBy(absl::Minutes(10));
  ASSERT_TRUE(running->result.has_value());
  EXPECT_TRUE(running->result->ok());
}

TEST(WaitNode, AParkedWaitEndsWithTheHostsCancellation) {
  NodeTestHost host;
  host.accept_park = true;
  auto running = host.Start("wait", {{"duration", "1h"}}, {{Json::object()}});
  ASSERT_EQ(host.parks.size(), 1u);
  running->Cancel(absl::CancelledError("parked on a durable timer"));
  ASSERT_TRUE(running->result.has_value());
  EXPECT_EQ(running->result->status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(host.scheduler.pending_timers(), 0u);
}

TEST(WaitNode, AResumedWaitWaitsOnlyWhatIsLeftOfItsRecordedTimer) {
  NodeTestHost host;
  host.durable_timer = host.clock.Now() + absl::Seconds(5);  // recorded by an earlier run
  auto running = host.Start("wait", {{"duration", "1h"}}, {{{{"a", 1}}}});
  EXPECT_EQ(host.parks.size(), 1u);  // still in the future: offered again, refused here
  host.scheduler.AdvanceBy(absl::Seconds(5));
  ASSERT_TRUE(running->result.has_value());
  EXPECT_THAT(OutputOf(*running->result), ElementsAre(Json{{"a", 1}}));
}

TEST(WaitNode, AResumedWaitWhoseTimerIsDueFinishesAtOnceWithoutParking) {
  NodeTestHost host;
  host.durable_timer = host.clock.Now() - absl::Seconds(1);
  auto running = host.Start("wait", {{"duration", "1h"}}, {{{{"a", 1}}}});
  host.scheduler.RunUntilIdle();
  EXPECT_TRUE(host.parks.empty());
  ASSERT_TRUE(running->result.has_value());
  EXPECT_TRUE(running->result->ok());
}

TEST(WaitNode, AMalformedDurationIsReportedWhenTheWorkflowLoads) {
  NodeTestHost host;
  EXPECT_EQ(host.Create("wait", {{"duration", "soon"}}), nullptr);
  EXPECT_THAT(host.errors,
              ElementsAre("/duration: expected a duration such as \"250ms\", \"30s\", \"1m30s\" "
                          "or a number of seconds, got \"soon\""));
  host.errors.clear();
  EXPECT_EQ(host.Create("wait", {{"duration", -1}}), nullptr);
  EXPECT_THAT(host.errors, ElementsAre("/duration: a duration must not be negative, got -1"));
}

TEST(WaitNode, AComputedDurationIsCheckedWhenItRuns) {
  NodeTestHost host;
  auto result = host.RunPerItem("wait", {{"duration", 1}},
                                [](size_t) {
                                  return Json{{"duration", "later"}};
                                },
                                {{Json::object()}});
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(sdk::ErrorClassOf(result->status()), "invalid_input");
  EXPECT_EQ(result->status().message(),
            "parameter 'duration': expected a duration such as \"250ms\", \"30s\", \"1m30s\" or a "
            "number of seconds, got \"later\"");
}

TEST(FailNode, StopsWithTheMessageAndErrorClassFailed) {
  NodeTestHost host;
  auto result = host.Run("fail", {{"message", "cannot continue"}, {"details", {{"code", 7}}}},
                         {{Json::object()}});
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(result->status().message(), "cannot continue");
  EXPECT_EQ(sdk::ErrorClassOf(result->status()), "failed");
  EXPECT_EQ(sdk::ErrorDetailsOf(result->status()), (Json{{"code", 7}}));
}

TEST(NoopNode, PassesItsInputThroughUnchanged) {
  NodeTestHost host;
  Items items = {{{"a", 1}}, Json("text"), {{"b", {1, 2}}}};
  auto result = host.Run("noop", Json::object(), {items});
  ASSERT_TRUE(result->ok());
  EXPECT_EQ(OutputOf(*result), items);
}

}  // namespace
}  // namespace flowhost::nodes::core::testing
