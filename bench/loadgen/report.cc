#include "bench/loadgen/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flowhost::bench {
namespace {

nlohmann::json LatencyJson(const LatencySummary& s) {
  return {{"count", s.count}, {"min", s.min_us}, {"mean", s.mean_us}, {"p50", s.p50_us},
          {"p90", s.p90_us},  {"p99", s.p99_us}, {"p999", s.p999_us}, {"max", s.max_us}};
}

std::string LatencyRow(const char* name, const LatencySummary& s) {
  auto ms = [](double us) { return us / 1000.0; };
  return absl::StrFormat("  %-12s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", name, ms(s.mean_us),
                         ms(s.p50_us), ms(s.p90_us), ms(s.p99_us), ms(s.p999_us), ms(s.max_us),
                         ms(s.min_us));
}

std::string Load(const LoadgenConfig& config) {
  if (config.mode == LoadMode::kOpenLoop) return absl::StrFormat("open loop, %g/s", config.rate);
  return absl::StrFormat("closed loop, %d in flight", config.concurrency);
}

}  // namespace

nlohmann::json ReportJson(const LoadgenConfig& config, const RunResults& results,
                          const LatencySummary& send_lag) {
  nlohmann::json report = {
      {"label", config.label},
      {"call", CallKindName(config.call)},
      {"mode", config.mode == LoadMode::kOpenLoop ? "open" : "closed"},
      {"window_s", results.window_s},
      {"throughput", results.throughput()},
      {"measured", results.measured},
      {"ok", results.ok},
      {"failed", results.failed},
      {"dropped", results.dropped},
      {"unfinished", results.unfinished},
      {"codes", results.codes},
      {"latency_us", LatencyJson(results.latency)},
      {"max_in_flight", results.max_in_flight},
      {"total_finished", results.total_finished},
      {"client_cpu_percent", results.client_cpu_percent},
      {"client_threads", results.client_threads},
  };
  if (config.mode == LoadMode::kOpenLoop) {
    report["rate"] = config.rate;
    report["send_lag_us"] = LatencyJson(send_lag);
  } else {
    report["concurrency"] = config.concurrency;
  }
  if (results.first_token.count > 0) report["first_token_us"] = LatencyJson(results.first_token);
  return report;
}

std::string ReportTable(const LoadgenConfig& config, const RunResults& results,
                        const LatencySummary& send_lag) {
  std::string out;
  if (!config.label.empty()) absl::StrAppend(&out, "== ", config.label, "\n");
  absl::StrAppend(&out, CallKindName(config.call), ", ", Load(config), ", ",
                  absl::StrFormat("%.1f s measured", results.window_s), "\n");
  absl::StrAppend(&out, absl::StrFormat("  throughput   %.1f ok/s\n", results.throughput()));
  absl::StrAppend(&out, absl::StrFormat("  calls        %u measured: %u ok, %u failed, %u dropped, "
                                        "%u unfinished\n",
                                        results.measured, results.ok, results.failed,
                                        results.dropped, results.unfinished));
  absl::StrAppend(&out, "  codes       ");
  for (const auto& [code, count] : results.codes) absl::StrAppend(&out, " ", code, "=", count);
  absl::StrAppend(&out, "\n");
  absl::StrAppend(&out, absl::StrFormat("  %-12s %9s %9s %9s %9s %9s %9s %9s\n", "ms", "mean",
                                        "p50", "p90", "p99", "p99.9", "max", "min"));
  absl::StrAppend(&out, LatencyRow("latency", results.latency));
  if (results.first_token.count > 0) {
    absl::StrAppend(&out, LatencyRow("first token", results.first_token));
  }
  if (config.mode == LoadMode::kOpenLoop) absl::StrAppend(&out, LatencyRow("send lag", send_lag));
  absl::StrAppend(&out, absl::StrFormat("  client       %.0f%% CPU, %d threads, %u in flight at "
                                        "most\n",
                                        results.client_cpu_percent, results.client_threads,
                                        results.max_in_flight));
  return out;
}

}  // namespace flowhost::bench
