// Load generator for the pooled HTTP client alone: keeps a fixed number of requests in flight
// against one URL (closed loop: each completion sends the next request), and reports requests per
// second and latency percentiles over the measured window. bench/http_client.sh runs it against the
// fake OpenRouter next to `wrk` sending the same load.
//
//   http_client_bench --url URL [--method POST] [--header "K: V"]... [--body TEXT]
//                     [--concurrency 64] [--duration_s 10] [--warmup_s 2] [--io_threads_check]
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "flowhost/sdk/http_client.h"
#include "server/common/thread_pool_scheduler.h"
#include "server/http/curl_http_client.h"
#include "server/http/latency_histogram.h"

namespace flowhost::bench {
namespace {

struct Config {
  std::string url;
  std::string method = "GET";
  sdk::HttpHeaders headers;
  std::string body;
  int concurrency = 64;
  double duration_s = 10;
  double warmup_s = 2;
};

bool ParseArgs(int argc, char** argv, Config* config) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) return false;
    std::string value = argv[++i];
    if (flag == "--url") {
      config->url = value;
    } else if (flag == "--method") {
      config->method = value;
    } else if (flag == "--body") {
      config->body = value;
    } else if (flag == "--header") {
      size_t colon = value.find(':');
      if (colon == std::string::npos) return false;
      size_t start = value.find_first_not_of(' ', colon + 1);
      config->headers.emplace_back(value.substr(0, colon),
                                   start == std::string::npos ? "" : value.substr(start));
    } else if (flag == "--concurrency") {
      config->concurrency = std::atoi(value.c_str());
    } else if (flag == "--duration_s") {
      config->duration_s = std::atof(value.c_str());
    } else if (flag == "--warmup_s") {
      config->warmup_s = std::atof(value.c_str());
    } else {
      return false;
    }
  }
  return !config->url.empty() && config->concurrency > 0 && config->duration_s > 0;
}

// Keeps `concurrency` requests in flight until told to stop; records what completes while
// measuring.
class ClosedLoop {
 public:
  ClosedLoop(const Config& config, http::CurlHttpClient& client)
      : config_(config), client_(client) {}

  void Start() {
    for (int i = 0; i < config_.concurrency; ++i) SendOne();
  }
  void BeginMeasuring() {
    measure_start_ = absl::Now();
    measuring_ = true;
  }
  // Stops measuring and sending; waits for the requests in flight to finish.
  void Stop() {
    measuring_ = false;
    measure_end_ = absl::Now();
    stopping_ = true;
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ClosedLoop* self) ABSL_NO_THREAD_SAFETY_ANALYSIS { return self->in_flight_ == 0; },
        this));
  }

  uint64_t ok() const { return ok_; }
  uint64_t http_errors() const { return http_errors_; }
  uint64_t failures() const { return failures_; }
  absl::Duration window() const { return measure_end_ - measure_start_; }
  http::LatencyHistogram::Snapshot latency() const { return latency_.snapshot(); }

 private:
  void SendOne() {
    {
      absl::MutexLock lock(&mu_);
      ++in_flight_;
    }
    sdk::HttpRequest request;
    request.method = config_.method;
    request.url = config_.url;
    request.headers = config_.headers;
    request.body = config_.body;
    request.total_timeout = absl::Seconds(30);
    client_.Send(std::move(request), [this](absl::StatusOr<sdk::HttpResponse> result) {
      if (measuring_) {
        if (!result.ok()) {
          ++failures_;
          if (failures_ == 1)
            std::fprintf(stderr, "first failure: %s\n", result.status().ToString().c_str());
        } else if (result->status >= 400) {
          ++http_errors_;
        } else {
          ++ok_;
          latency_.Record(result->total_time);
        }
      }
      if (!stopping_) SendOne();
      absl::MutexLock lock(&mu_);
      --in_flight_;
    });
  }

  const Config& config_;
  http::CurlHttpClient& client_;
  std::atomic<bool> measuring_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> ok_{0};
  std::atomic<uint64_t> http_errors_{0};
  std::atomic<uint64_t> failures_{0};
  http::LatencyHistogram latency_;
  absl::Time measure_start_;
  absl::Time measure_end_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

int Main(int argc, char** argv) {
  Config config;
  if (!ParseArgs(argc, argv, &config)) {
    std::fprintf(stderr,
                 "usage: %s --url URL [--method M] [--header 'K: V']... [--body TEXT] "
                 "[--concurrency N] [--duration_s S] [--warmup_s S]\n",
                 argv[0]);
    return 2;
  }
  std::printf("command:");
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    bool quote = arg.find_first_of(" \"{}:*") != std::string_view::npos;
    std::printf(quote ? " '%s'" : " %s", argv[i]);  // copy-pasteable into a shell
  }
  std::printf("\n");

  common::ThreadPoolScheduler pool(2);
  http::CurlHttpClientOptions options;
  options.max_in_flight = std::max(options.max_in_flight, config.concurrency);
  options.max_host_connections = std::max(options.max_host_connections, config.concurrency);
  options.max_total_connections = std::max(options.max_total_connections, config.concurrency);
  http::CurlHttpClient client(pool, options);
  ClosedLoop loop(config, client);
  loop.Start();
  absl::SleepFor(absl::Seconds(config.warmup_s));
  loop.BeginMeasuring();
  absl::SleepFor(absl::Seconds(config.duration_s));
  loop.Stop();

  http::LatencyHistogram::Snapshot latency = loop.latency();
  http::HttpClientStats stats = client.stats();
  double seconds = absl::ToDoubleSeconds(loop.window());
  std::printf("concurrency %d, %.1f s measured (after %.1f s warm-up)\n", config.concurrency,
              seconds, config.warmup_s);
  std::printf("requests/s %.0f   ok %llu   http_errors %llu   failures %llu\n",
              static_cast<double>(loop.ok()) / seconds, static_cast<unsigned long long>(loop.ok()),
              static_cast<unsigned long long>(loop.http_errors()),
              static_cast<unsigned long long>(loop.failures()));
  std::printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  mean %.3f\n",
              Ms(latency.Percentile(0.5)), Ms(latency.Percentile(0.9)),
              Ms(latency.Percentile(0.99)), Ms(latency.max), Ms(latency.Mean()));
  std::printf("client: connections opened %llu, reused %llu\n",
              static_cast<unsigned long long>(stats.connections_opened),
              static_cast<unsigned long long>(stats.connections_reused));
  std::printf("stats %s\n", stats.ToJson().dump().c_str());
  return loop.failures() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace flowhost::bench

int main(int argc, char** argv) { return flowhost::bench::Main(argc, argv); }
