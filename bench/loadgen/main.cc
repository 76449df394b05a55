// flowhost_loadgen: drives flowhost's gRPC API (or, for comparison, the upstream directly) with a
// closed or open loop and prints throughput, status codes and latency percentiles. See
// `flowhost_loadgen --help` and bench/README.md.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/loadgen/call_target.h"
#include "bench/loadgen/load_driver.h"
#include "bench/loadgen/loadgen_config.h"
#include "bench/loadgen/report.h"

namespace {

// Thousands of calls in flight need as many sockets for the HTTP target; raise the soft limit to
// the hard one.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace flowhost::bench;
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<LoadgenConfig> config = ParseLoadgenFlags(args);
  if (!config.ok()) {
    if (absl::IsCancelled(config.status())) {
      std::fputs(std::string(config.status().message()).c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "%s\n\n%s", std::string(config.status().message()).c_str(),
                 LoadgenUsage().c_str());
    return 2;
  }
  RaiseOpenFileLimit();

  absl::StatusOr<std::unique_ptr<CallTarget>> target = MakeCallTarget(*config);
  if (!target.ok()) {
    std::fprintf(stderr, "%s\n", std::string(target.status().message()).c_str());
    return 2;
  }
  auto driver = std::make_unique<LoadDriver>(*config, **target);
  RunResults results = driver->Run();

  std::string report = config->json ? ReportJson(*config, results, driver->send_lag()).dump() + "\n"
                                    : ReportTable(*config, results, driver->send_lag());
  std::fputs(report.c_str(), stdout);
  std::fflush(stdout);

  if (results.unfinished > 0) {
    // Calls still hold pointers into the target and the driver: leave without destroying them.
    std::fprintf(stderr, "%llu calls did not finish within their deadline\n",
                 static_cast<unsigned long long>(results.unfinished));
    std::_Exit(1);
  }
  target->reset();
  return results.failed == 0 && results.dropped == 0 ? 0 : 1;
}
