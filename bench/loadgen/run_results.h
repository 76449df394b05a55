// What a load run measured, and the recorder that collects it while calls finish.
//
// ResultRecorder is shared by every thread that finishes calls (gRPC's callback threads, the HTTP
// client's pool): Record* take one short lock each. Finish() is called once, after the last call
// was recorded, and hands back a RunResults value.
#ifndef FLOWHOST_BENCH_LOADGEN_RUN_RESULTS_H_
#define FLOWHOST_BENCH_LOADGEN_RUN_RESULTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "bench/loadgen/latency_summary.h"

namespace flowhost::bench {

struct RunResults {
  double window_s = 0;    // the measured window
  uint64_t measured = 0;  // calls due in the window (sent or dropped)
  uint64_t ok = 0;
  uint64_t failed = 0;
  uint64_t dropped = 0;     // open loop: due while max_outstanding calls were in flight; not sent
  uint64_t unfinished = 0;  // still in flight when the drain gave up (should stay 0: deadlines)
  std::map<std::string, uint64_t> codes;  // every finished measured call, by status code
  LatencySummary latency;                 // successful measured calls, from when each was due
  LatencySummary first_token;             // successful measured calls that streamed a token
  uint64_t max_in_flight = 0;             // over the whole run, warm-up included
  uint64_t total_finished = 0;            // every call that finished, warm-up and drain included
  double client_cpu_percent = 0;  // the load generator's own CPU over the window (100 = 1 core)
  int client_threads = 0;         // the load generator's threads at the end of the window

  double throughput() const { return window_s > 0 ? static_cast<double>(ok) / window_s : 0; }
};

class ResultRecorder {
 public:
  // One measured call finished after `latency_ns`; `first_token_ns` is set for calls that streamed.
  void Record(int64_t latency_ns, const std::string& code, bool ok,
              std::optional<int64_t> first_token_ns);
  // One measured call was due but not sent (open loop over max_outstanding).
  void RecordDropped();

  // Summarises what was recorded; `window_s` is the measured window's length. The caller fills in
  // the run-level fields (unfinished, max_in_flight, client_*).
  RunResults Finish(double window_s);

 private:
  absl::Mutex mu_;
  std::vector<int64_t> latencies_ns_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> first_token_ns_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> codes_ ABSL_GUARDED_BY(mu_);
  uint64_t ok_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::bench

#endif  // FLOWHOST_BENCH_LOADGEN_RUN_RESULTS_H_
