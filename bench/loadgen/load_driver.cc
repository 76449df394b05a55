#include "bench/loadgen/load_driver.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cmath>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace flowhost::bench {
namespace {

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

int ProcessThreads() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "Threads:") {
      int threads = 0;
      status >> threads;
      return threads;
    }
    status.ignore(1 << 16, '\n');
  }
  return 0;
}

int64_t Nanos(LoadClock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

}  // namespace

void LoadDriver::StartOne(LoadClock::time_point sent, bool measured) {
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
    if (in_flight_ > max_in_flight_) max_in_flight_ = in_flight_;
  }
  Launch(sent, measured);
}

void LoadDriver::Launch(LoadClock::time_point sent, bool measured) {
  target_.StartCall([this, sent, measured](CallOutcome outcome) mutable {
    Finish(sent, measured, std::move(outcome));
  });
}

void LoadDriver::Finish(LoadClock::time_point sent, bool measured, CallOutcome outcome) {
  LoadClock::time_point now = LoadClock::now();
  finished_.fetch_add(1, std::memory_order_relaxed);
  if (measured) {
    std::optional<int64_t> first_token;
    if (outcome.first_token_at.has_value()) first_token = Nanos(*outcome.first_token_at - sent);
    recorder_.Record(Nanos(now - sent), outcome.code, outcome.ok, first_token);
  }
  // Closed loop: the next call takes over this one's slot (in_flight_ is unchanged, so the drain
  // cannot see zero in between), until the window is over.
  if (config_.mode == LoadMode::kClosedLoop && !stopping_.load(std::memory_order_acquire) &&
      now < window_end_) {
    LoadClock::time_point next = LoadClock::now();
    Launch(next, InWindow(next));
    return;
  }
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void LoadDriver::MarkWindowStart() { cpu_at_start_s_ = ProcessCpuSeconds(); }

void LoadDriver::MarkWindowEnd() {
  cpu_at_end_s_ = ProcessCpuSeconds();
  threads_at_end_ = ProcessThreads();
  stopping_.store(true, std::memory_order_release);
}

void LoadDriver::RunClosedLoop() {
  for (int i = 0; i < config_.concurrency; ++i) {
    LoadClock::time_point sent = LoadClock::now();
    StartOne(sent, InWindow(sent));
  }
  std::this_thread::sleep_until(window_start_);
  MarkWindowStart();
  std::this_thread::sleep_until(window_end_);
  MarkWindowEnd();
}

void LoadDriver::RunOpenLoop() {
  // Sleeps end within a few microseconds of their target instead of the default 50 us slack.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  const LoadClock::time_point start = LoadClock::now();
  const double interval_ns = 1e9 / config_.rate;
  bool window_started = false;
  std::vector<int64_t> lag_ns;
  for (uint64_t i = 0;; ++i) {
    LoadClock::time_point due =
        start + std::chrono::nanoseconds(std::llround(static_cast<double>(i) * interval_ns));
    if (due >= window_end_) break;
    if (due > LoadClock::now()) std::this_thread::sleep_until(due);
    if (!window_started && due >= window_start_) {
      MarkWindowStart();
      window_started = true;
    }
    bool full;
    {
      absl::MutexLock lock(&mu_);
      full = in_flight_ >= config_.max_outstanding;
    }
    if (full) {
      if (InWindow(due)) recorder_.RecordDropped();
      continue;
    }
    LoadClock::time_point sent = LoadClock::now();
    const bool measured = InWindow(due);
    if (measured) lag_ns.push_back(Nanos(sent - due));
    StartOne(sent, measured);
  }
  if (!window_started) MarkWindowStart();
  std::this_thread::sleep_until(window_end_);
  MarkWindowEnd();
  send_lag_ = LatencySummary::Of(lag_ns);
}

RunResults LoadDriver::Run() {
  const LoadClock::time_point t0 = LoadClock::now();
  window_start_ = t0 + absl::ToChronoNanoseconds(config_.warmup);
  window_end_ = window_start_ + absl::ToChronoNanoseconds(config_.duration);

  if (config_.mode == LoadMode::kOpenLoop) {
    RunOpenLoop();
  } else {
    RunClosedLoop();
  }

  // Drain: every call carries a deadline, so this ends; the margin covers a server that answers
  // its deadline late.
  int64_t unfinished = 0;
  int64_t max_in_flight = 0;
  {
    absl::MutexLock lock(&mu_);
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
    mu_.AwaitWithTimeout(absl::Condition(&drained), config_.deadline + absl::Seconds(10));
    unfinished = in_flight_;
    max_in_flight = max_in_flight_;
  }

  const double window_s = absl::ToDoubleSeconds(config_.duration);
  RunResults results = recorder_.Finish(window_s);
  results.unfinished = static_cast<uint64_t>(unfinished);
  results.measured += results.unfinished;
  results.max_in_flight = static_cast<uint64_t>(max_in_flight);
  results.total_finished = finished_.load(std::memory_order_relaxed);
  results.client_cpu_percent = 100.0 * (cpu_at_end_s_ - cpu_at_start_s_) / window_s;
  results.client_threads = threads_at_end_;
  return results;
}

}  // namespace flowhost::bench
