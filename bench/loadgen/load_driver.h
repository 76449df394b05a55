// Paces calls on a CallTarget and measures them: a warm-up that is not counted, then the measured
// window, then a drain that waits for every call still in flight (each has a deadline, so the drain
// ends). Closed loop keeps `concurrency` calls in flight, each completion starting the next; open
// loop starts calls at `rate` per second from one pacing thread, whatever the answers do.
//
// Latency is measured from the moment a call was handed to the target. In open loop the pacer's own
// lateness (how long after its due time a call went out) is reported separately as the send lag, so
// a late pacer is visible instead of hidden.
//
// Ownership: borrows the config and the target, which must outlive Run().
// Thread-safety: Run() is called once, from one thread; completions arrive on the target's threads.
#ifndef FLOWHOST_BENCH_LOADGEN_LOAD_DRIVER_H_
#define FLOWHOST_BENCH_LOADGEN_LOAD_DRIVER_H_

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "bench/loadgen/call_outcome.h"
#include "bench/loadgen/call_target.h"
#include "bench/loadgen/latency_summary.h"
#include "bench/loadgen/loadgen_config.h"
#include "bench/loadgen/run_results.h"

namespace flowhost::bench {

class LoadDriver {
 public:
  LoadDriver(const LoadgenConfig& config, CallTarget& target) : config_(config), target_(target) {}
  LoadDriver(const LoadDriver&) = delete;
  LoadDriver& operator=(const LoadDriver&) = delete;

  // Runs the load and returns what was measured. Blocks for warm-up + duration + drain. When
  // `unfinished` is non-zero in the result, calls are still in flight: the target must then be
  // leaked rather than destroyed.
  RunResults Run();

  // Open loop: how late the pacer sent calls due in the window (zero in closed loop).
  const LatencySummary& send_lag() const { return send_lag_; }

 private:
  // StartOne takes a new in-flight slot; Launch starts a call in a slot already held. `measured`:
  // the call belongs to the window (closed loop: sent in it; open loop: due in it).
  void StartOne(LoadClock::time_point sent, bool measured);
  void Launch(LoadClock::time_point sent, bool measured);
  void Finish(LoadClock::time_point sent, bool measured, CallOutcome outcome);
  bool InWindow(LoadClock::time_point t) const { return t >= window_start_ && t < window_end_; }
  void RunOpenLoop();
  void RunClosedLoop();
  void MarkWindowStart();
  void MarkWindowEnd();

  const LoadgenConfig& config_;
  CallTarget& target_;
  ResultRecorder recorder_;
  LatencySummary send_lag_;

  LoadClock::time_point window_start_;
  LoadClock::time_point window_end_;
  // Set once the window is over: closed-loop completions stop starting new calls.
  std::atomic<bool> stopping_{false};

  absl::Mutex mu_;
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t max_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> finished_{0};

  // CPU time of this process at the window's start and end, and its thread count at the end.
  double cpu_at_start_s_ = 0;
  double cpu_at_end_s_ = 0;
  int threads_at_end_ = 0;
};

}  // namespace flowhost::bench

#endif  // FLOWHOST_BENCH_LOADGEN_LOAD_DRIVER_H_
