// How a load run is printed: a human-readable table, or one JSON object (--json) for scripts.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_BENCH_LOADGEN_REPORT_H_
#define FLOWHOST_BENCH_LOADGEN_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "bench/loadgen/latency_summary.h"
#include "bench/loadgen/loadgen_config.h"
#include "bench/loadgen/run_results.h"

namespace flowhost::bench {

// The run as JSON: {"label", "call", "mode", "concurrency"|"rate", "window_s", "throughput",
// "measured", "ok", "failed", "dropped", "unfinished", "codes": {code: n}, "latency_us": {...},
// "first_token_us": {...} (streams only), "send_lag_us": {...} (open loop only), "max_in_flight",
// "total_finished", "client_cpu_percent", "client_threads"}. Latency objects hold count, min, mean,
// p50, p90, p99, p999, max in microseconds.
nlohmann::json ReportJson(const LoadgenConfig& config, const RunResults& results,
                          const LatencySummary& send_lag);

// The same as a few lines of text.
std::string ReportTable(const LoadgenConfig& config, const RunResults& results,
                        const LatencySummary& send_lag);

}  // namespace flowhost::bench

#endif  // FLOWHOST_BENCH_LOADGEN_REPORT_H_
