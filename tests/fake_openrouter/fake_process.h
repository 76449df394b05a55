// Runs the project's fake OpenRouter (the built `fake_openrouter` program) as a child process for a
// test or a benchmark: starts it on port 0, reads its `LISTENING <port>` line, and offers its URLs
// and its control plane (statistics, scripted rules). No gtest here, so benchmarks can use it too.
//
//   auto fake = FakeProcess::Start();            // absl::StatusOr<std::unique_ptr<FakeProcess>>
//   client.Post((*fake)->base_url() + "/chat/completions", ...);
//   (*fake)->AddRules({{"rules", {{{"model", "fake/ok"}, {"times", 1},
//                                  {"behavior", {{"status", 429}}}}}}});
//
// The destructor stops the child (SIGTERM, then SIGKILL after a grace period) and reaps it; the
// child also dies with its parent. Control calls go through one kept-alive connection, which is
// accepted before any stats reset and so does not count in `connections_accepted` afterwards.
// Thread-safe: control calls are serialised internally.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_PROCESS_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tests/fake_openrouter/blocking_http.h"
#include "tests/fake_openrouter/child_process.h"

namespace flowhost::fake_openrouter {

class FakeProcess {
 public:
  struct Options {
    std::string binary;                     // default: the build's fake_openrouter
    std::string api_key = "sk-or-v1-fake";  // passed as --api-key
    int threads = 1;
    int latency_ms = 0;
    std::vector<std::string> extra_args;  // e.g. {"--catalogue", "/path/to/file.json"}
    int start_timeout_ms = 30000;
  };

  static absl::StatusOr<std::unique_ptr<FakeProcess>> Start(Options options);
  static absl::StatusOr<std::unique_ptr<FakeProcess>> Start() { return Start(Options()); }
  ~FakeProcess();

  FakeProcess(const FakeProcess&) = delete;
  FakeProcess& operator=(const FakeProcess&) = delete;

  // Stops the child (SIGTERM, then SIGKILL after a grace period) and reaps it. OK when it exited
  // cleanly with status 0 (under sanitizers that also means no leak or error report). Idempotent.
  absl::Status Stop();

  int port() const { return port_; }
  pid_t pid() const { return child_->pid(); }
  // "http://127.0.0.1:<port>"
  std::string origin() const;
  // "http://127.0.0.1:<port>/api/v1", OpenRouter's base URL.
  std::string base_url() const { return origin() + "/api/v1"; }
  const std::string& api_key() const { return api_key_; }

  // GET /_control/stats, parsed.
  absl::StatusOr<nlohmann::json> Stats();
  // Polls the statistics until `done` holds for them, for at most `timeout_ms` (the failure bound);
  // returns the statistics that satisfied it, or DeadlineExceeded with the last ones seen.
  absl::StatusOr<nlohmann::json> WaitForStats(
      const std::function<bool(const nlohmann::json&)>& done, int timeout_ms = 30000);
  // PUT /_control/rules with `{"rules": [...]}` (a bare array is wrapped).
  absl::Status AddRules(const nlohmann::json& rules);
  // DELETE /_control/rules.
  absl::Status ClearRules();
  // POST /_control/stats/reset (also clears the request log).
  absl::Status ResetStats();
  // GET /_control/requests?limit=N: the latest requests with headers and bodies, oldest first.
  absl::StatusOr<nlohmann::json> Requests(int limit);

 private:
  FakeProcess() = default;
  absl::StatusOr<nlohmann::json> Control(const std::string& method, const std::string& path,
                                         const std::string& body);

  std::unique_ptr<ChildProcess> child_;
  int port_ = 0;
  std::string api_key_;
  absl::Mutex mu_;
  BlockingHttp control_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_PROCESS_H_
