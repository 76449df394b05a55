#include "server/common/thread_pool_scheduler.h"

#include <pthread.h>

#include <atomic>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace flowhost::common {
namespace {

TEST(ThreadPoolSchedulerTest, RunsPostedTasksOnItsOwnThreads) {
  ThreadPoolScheduler scheduler(2);
  EXPECT_EQ(scheduler.thread_count(), 2);
  absl::Notification done;
  std::thread::id ran_on;
  scheduler.Post([&] {
    ran_on = std::this_thread::get_id();
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(ThreadPoolSchedulerTest, WorkersCarryTheirNameForTopAndPerf) {
  ThreadPoolScheduler scheduler(2);
  absl::Notification done;
  char name[16] = {};
  scheduler.Post([&] {
    pthread_getname_np(pthread_self(), name, sizeof(name));
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(std::string(name) == "fh-worker-0" || std::string(name) == "fh-worker-1") << name;
}

TEST(ThreadPoolSchedulerTest, ManyTasksAllRunOnAFixedNumberOfThreads) {
  ThreadPoolScheduler scheduler(2);
  constexpr int kTasks = 10000;
  std::atomic<int> count{0};
  absl::Mutex mu;
  std::set<std::thread::id> threads;
  absl::Notification done;
  for (int i = 0; i < kTasks; ++i) {
    scheduler.Post([&] {
      {
        absl::MutexLock lock(&mu);
        threads.insert(std::this_thread::get_id());
      }
      if (++count == kTasks) done.Notify();
    });
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  absl::MutexLock lock(&mu);
  EXPECT_LE(threads.size(), 2u);
}

TEST(ThreadPoolSchedulerTest, ATaskPostedByAWorkerRunsOnThatWorkerAfterTheCurrentTaskReturns) {
  ThreadPoolScheduler scheduler(2);
  absl::Notification done;
  std::thread::id outer_thread, inner_thread;
  bool outer_returned = false;
  bool inner_saw_outer_returned = false;
  scheduler.Post([&] {
    outer_thread = std::this_thread::get_id();
    scheduler.Post([&] {
      inner_thread = std::this_thread::get_id();
      inner_saw_outer_returned = outer_returned;
      done.Notify();
    });
    // Never inline, and the other (idle) worker is not woken for it: it waits for this task.
    absl::SleepFor(absl::Milliseconds(20));
    outer_returned = true;
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(inner_thread, outer_thread);
  EXPECT_TRUE(inner_saw_outer_returned);
}

TEST(ThreadPoolSchedulerTest, AWorkerHoldsBackOnlyOneTaskAnIdleWorkerTakesTheOthers) {
  // Declared before the scheduler, so they outlive its workers: the poster may still be inside its
  // wait on `second_ran` when this thread's wait returns (TSan caught the Notification dying then).
  absl::Notification second_ran;
  absl::Notification done;
  ThreadPoolScheduler scheduler(2);
  std::thread::id poster, second_thread;
  scheduler.Post([&] {
    poster = std::this_thread::get_id();
    scheduler.Post([&] { done.Notify(); });
    scheduler.Post([&] {  // pushes the first one out of the slot to the shared queue
      second_thread = std::this_thread::get_id();
      second_ran.Notify();
    });
    scheduler.Post([] {});  // and this one pushes the second out
    // The poster is still busy: only the other worker can run the tasks pushed out.
    EXPECT_TRUE(second_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(second_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_NE(second_thread, poster);
}

TEST(ThreadPoolSchedulerTest, AChainOfSelfPostingTasksDoesNotStarveTheSharedQueue) {
  ThreadPoolScheduler scheduler(1);
  std::atomic<bool> outsider_ran{false};
  std::atomic<int> links{0};
  absl::Notification chain_started, done;
  // Each link posts the next from the pool's only worker; the outsider, posted from this thread
  // while the chain runs, must still get its turn long before the chain would end by itself.
  std::function<void()> link = [&] {
    if (links.fetch_add(1) == 0) chain_started.Notify();
    if (outsider_ran.load() || links.load() > 1'000'000) {
      done.Notify();
      return;
    }
    scheduler.Post([&] { link(); });
  };
  scheduler.Post([&] { link(); });
  ASSERT_TRUE(chain_started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  scheduler.Post([&] { outsider_ran = true; });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_TRUE(outsider_ran.load());
  EXPECT_LT(links.load(), 1'000'000);
}

TEST(ThreadPoolSchedulerTest, TimersFireInOrderAndNotEarly) {
  ThreadPoolScheduler scheduler(2);
  absl::Mutex mu;
  std::vector<int> order;
  absl::Notification done;
  absl::Time start = absl::Now();
  absl::Time fired_at;
  scheduler.RunAfter(absl::Milliseconds(60), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(2);
    fired_at = absl::Now();
    done.Notify();
  });
  scheduler.RunAfter(absl::Milliseconds(20), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(1);
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  absl::MutexLock lock(&mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_GE(fired_at - start, absl::Milliseconds(60));
}

TEST(ThreadPoolSchedulerTest, AnEarlierTimerAddedLaterStillFiresFirst) {
  ThreadPoolScheduler scheduler(1);
  absl::Notification early, late;
  scheduler.RunAfter(absl::Hours(1), [&] { late.Notify(); });
  scheduler.RunAfter(absl::Milliseconds(10), [&] { early.Notify(); });
  EXPECT_TRUE(early.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_FALSE(late.HasBeenNotified());
}

TEST(ThreadPoolSchedulerTest, CancelledTimerDoesNotRunAndReleasesItsTask) {
  ThreadPoolScheduler scheduler(1);
  auto captured = std::make_shared<int>(7);
  std::weak_ptr<int> weak = captured;
  sdk::TimerId id = scheduler.RunAfter(absl::Hours(1), [captured] {});
  captured.reset();
  EXPECT_FALSE(weak.expired());
  EXPECT_TRUE(scheduler.Cancel(id));
  EXPECT_TRUE(weak.expired());
}

TEST(ThreadPoolSchedulerTest, DestructionDropsTimersThatAreNotDue) {
  bool ran = false;
  {
    ThreadPoolScheduler scheduler(1);
    scheduler.RunAfter(absl::Hours(1), [&] { ran = true; });
  }
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace flowhost::common
