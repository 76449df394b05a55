#include "server/common/manual_scheduler.h"

#include <vector>

#include "gtest/gtest.h"

namespace flowhost::common {
namespace {

TEST(ManualSchedulerTest, PostedTasksRunOnlyWhenTheTestRunsThem) {
  ManualClock clock;
  ManualScheduler scheduler(&clock);
  int ran = 0;
  scheduler.Post([&] { ++ran; });
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(scheduler.RunUntilIdle(), 1);
  EXPECT_EQ(ran, 1);
}

TEST(ManualSchedulerTest, TimersFireInDueOrderAsTimeAdvances) {
  ManualClock clock;
  ManualScheduler scheduler(&clock);
  std::vector<int> order;
  absl::Time start = clock.Now();
  scheduler.RunAfter(absl::Seconds(3), [&] { order.push_back(3); });
  scheduler.RunAfter(absl::Seconds(1), [&] { order.push_back(1); });
  scheduler.RunAfter(absl::Seconds(2), [&] {
    order.push_back(2);
    EXPECT_EQ(clock.Now(), start + absl::Seconds(2));  // time is exactly the due time
  });
  scheduler.AdvanceBy(absl::Milliseconds(2500));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(clock.Now(), start + absl::Milliseconds(2500));
  scheduler.AdvanceBy(absl::Seconds(1));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(ManualSchedulerTest, CancelledTimerNeverRuns) {
  ManualClock clock;
  ManualScheduler scheduler(&clock);
  bool ran = false;
  sdk::TimerId id = scheduler.RunAfter(absl::Seconds(1), [&] { ran = true; });
  EXPECT_TRUE(scheduler.Cancel(id));
  EXPECT_FALSE(scheduler.Cancel(id));
  scheduler.AdvanceBy(absl::Seconds(5));
  EXPECT_FALSE(ran);
}

TEST(ManualSchedulerTest, TimerScheduledByATimerFiresWithinTheSameAdvance) {
  ManualClock clock;
  ManualScheduler scheduler(&clock);
  int fired = 0;
  scheduler.RunAfter(absl::Seconds(1), [&] {
    ++fired;
    scheduler.RunAfter(absl::Seconds(1), [&] { ++fired; });
  });
  scheduler.AdvanceBy(absl::Seconds(2));
  EXPECT_EQ(fired, 2);
}

TEST(ManualSchedulerTest, AdvanceToNextTimerJumpsExactlyToIt) {
  ManualClock clock;
  ManualScheduler scheduler(&clock);
  absl::Time start = clock.Now();
  scheduler.RunAfter(absl::Minutes(7), [] {});
  EXPECT_TRUE(scheduler.AdvanceToNextTimer());
  EXPECT_EQ(clock.Now(), start + absl::Minutes(7));
  EXPECT_FALSE(scheduler.AdvanceToNextTimer());
}

}  // namespace
}  // namespace flowhost::common
