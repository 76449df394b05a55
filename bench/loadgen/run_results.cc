#include "bench/loadgen/run_results.h"

#include <utility>

namespace flowhost::bench {

void ResultRecorder::Record(int64_t latency_ns, const std::string& code, bool ok,
                            std::optional<int64_t> first_token_ns) {
  absl::MutexLock lock(&mu_);
  ++codes_[code];
  if (!ok) {
    ++failed_;
    return;
  }
  ++ok_;
  latencies_ns_.push_back(latency_ns);
  if (first_token_ns.has_value()) first_token_ns_.push_back(*first_token_ns);
}

void ResultRecorder::RecordDropped() {
  absl::MutexLock lock(&mu_);
  ++dropped_;
}

RunResults ResultRecorder::Finish(double window_s) {
  absl::MutexLock lock(&mu_);
  RunResults results;
  results.window_s = window_s;
  results.ok = ok_;
  results.failed = failed_;
  results.dropped = dropped_;
  results.measured = ok_ + failed_ + dropped_;
  results.codes = codes_;
  results.latency = LatencySummary::Of(latencies_ns_);
  results.first_token = LatencySummary::Of(first_token_ns_);
  return results;
}

}  // namespace flowhost::bench
