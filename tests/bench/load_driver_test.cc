// The load driver against in-process call targets: what it counts and how many calls it keeps in
// flight. No timing is asserted; runs are a few hundred milliseconds long.
#include "bench/loadgen/load_driver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/common/thread_pool_scheduler.h"

namespace flowhost::bench {
namespace {

// Completes every call on a worker pool; every `fail_every`-th call fails with UNAVAILABLE.
class PoolTarget final : public CallTarget {
 public:
  explicit PoolTarget(int fail_every = 0) : fail_every_(fail_every) {}
  void StartCall(CallDone done) override {
    uint64_t n = ++started_;
    bool fail = fail_every_ > 0 && n % fail_every_ == 0;
    pool_.Post([done = std::move(done), fail]() mutable {
      std::move(done)(
          CallOutcome{.code = fail ? "UNAVAILABLE" : "OK", .ok = !fail, .first_token_at = {}});
    });
  }
  uint64_t started() const { return started_; }

 private:
  const int fail_every_;
  std::atomic<uint64_t> started_{0};
  common::ThreadPoolScheduler pool_{2};
};

// Holds every call until `release_at`, then completes the held ones and answers later ones at once.
class HoldingTarget final : public CallTarget {
 public:
  explicit HoldingTarget(absl::Time release_at)
      : releaser_([this, release_at] {
          std::vector<CallDone> held;
          {
            absl::MutexLock lock(&mu_);
            mu_.AwaitWithDeadline(absl::Condition(&quit_), release_at);
            released_ = true;
            held.swap(held_);
          }
          // Outside the lock: a completion may start the next call, which comes back to StartCall.
          for (CallDone& done : held) {
            std::move(done)(CallOutcome{.code = "OK", .ok = true, .first_token_at = {}});
          }
        }) {}
  ~HoldingTarget() override {
    {
      absl::MutexLock lock(&mu_);
      quit_ = true;
    }
    releaser_.join();
  }
  void StartCall(CallDone done) override {
    absl::MutexLock lock(&mu_);
    if (released_) {
      pool_.Post([done = std::move(done)]() mutable {
        std::move(done)(CallOutcome{.code = "OK", .ok = true, .first_token_at = {}});
      });
      return;
    }
    held_.push_back(std::move(done));
  }

 private:
  common::ThreadPoolScheduler pool_{1};
  absl::Mutex mu_;
  bool quit_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<CallDone> held_ ABSL_GUARDED_BY(mu_);
  std::thread releaser_;
};

LoadgenConfig ShortRun() {
  LoadgenConfig config;
  config.warmup = absl::Milliseconds(50);
  config.duration = absl::Milliseconds(300);
  config.deadline = absl::Seconds(30);
  return config;
}

TEST(LoadDriverTest, ClosedLoopKeepsExactlyTheConcurrencyInFlightAndCountsEveryCall) {
  LoadgenConfig config = ShortRun();
  config.concurrency = 32;
  PoolTarget target(/*fail_every=*/10);
  LoadDriver driver(config, target);

  RunResults results = driver.Run();

  EXPECT_EQ(results.max_in_flight, 32u);
  EXPECT_GT(results.ok, 0u);
  EXPECT_GT(results.failed, 0u);
  EXPECT_EQ(results.unfinished, 0u);
  EXPECT_EQ(results.dropped, 0u);
  EXPECT_EQ(results.codes["OK"], results.ok);
  EXPECT_EQ(results.codes["UNAVAILABLE"], results.failed);
  EXPECT_EQ(results.measured, results.ok + results.failed);
  // Warm-up calls are started but not measured.
  EXPECT_LT(results.measured, target.started());
  EXPECT_EQ(results.latency.count, results.ok);
  EXPECT_EQ(results.first_token.count, 0u);
  EXPECT_DOUBLE_EQ(results.throughput(), results.ok / 0.3);
}

TEST(LoadDriverTest, OpenLoopDropsCallsDueBeyondMaxOutstanding) {
  LoadgenConfig config = ShortRun();
  config.mode = LoadMode::kOpenLoop;
  config.warmup = absl::ZeroDuration();
  config.rate = 1000;
  config.max_outstanding = 10;
  // Nothing completes before the window is over, so exactly 10 calls go out.
  HoldingTarget target(absl::Now() + config.duration + absl::Seconds(1));
  LoadDriver driver(config, target);

  RunResults results = driver.Run();

  EXPECT_EQ(results.max_in_flight, 10u);
  EXPECT_EQ(results.ok, 10u);
  EXPECT_GT(results.dropped, 0u);
  EXPECT_EQ(results.measured, results.ok + results.dropped);
  EXPECT_EQ(driver.send_lag().count, 10u);
}

TEST(LoadDriverTest, OpenLoopSendsOneCallPerIntervalOfTheWindow) {
  LoadgenConfig config = ShortRun();
  config.mode = LoadMode::kOpenLoop;
  config.rate = 200;  // 60 calls are due in the 300 ms window
  PoolTarget target;
  LoadDriver driver(config, target);

  RunResults results = driver.Run();

  EXPECT_EQ(results.measured, 60u);
  EXPECT_EQ(results.ok + results.dropped, 60u);
  EXPECT_EQ(results.failed, 0u);
}

TEST(LoadDriverTest, TenThousandCallsInFlightNeedNoThreadEach) {
  LoadgenConfig config = ShortRun();
  config.warmup = absl::ZeroDuration();
  config.concurrency = 10000;
  HoldingTarget target(absl::Now() + absl::Milliseconds(100));
  LoadDriver driver(config, target);

  RunResults results = driver.Run();

  EXPECT_EQ(results.max_in_flight, 10000u);
  EXPECT_GE(results.ok, 10000u);
  EXPECT_EQ(results.failed, 0u);
  EXPECT_LT(results.client_threads, 50);
}

}  // namespace
}  // namespace flowhost::bench
