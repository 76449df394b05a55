// What the fake has seen, for tests and benchmarks to assert on: request and connection counters
// (GET /_control/stats), and a bounded log of the latest requests with their headers and bodies
// (GET /_control/requests), so a test can check what a client really sent (e.g. that a key never
// leaks to the wrong place).
//
// Counters since start or the last Reset(); `connections_open` and `in_flight` are gauges and
// survive a reset. Thread-safe: every worker thread of the server records into the same Stats.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_STATS_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_STATS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/fake_openrouter/http_request.h"

namespace flowhost::fake_openrouter {

// Which kind of request, for the per-kind counters.
enum class RequestKind { kChat, kModels, kOtherApi };

class Stats {
 public:
  // At most this many requests are kept in the log; older ones are dropped.
  static constexpr size_t kLogCapacity = 1024;
  // Bodies longer than this are logged truncated.
  static constexpr size_t kLogBodyLimit = 64 * 1024;

  void ConnectionOpened();
  void ConnectionClosed();

  // Logs any request except control-plane ones.
  void LogRequest(const HttpRequest& request);

  // An API request (chat, models, or an unknown API path) started; it ends with ApiRequestEnded.
  void ApiRequestStarted(RequestKind kind);
  // The answer's status and, for chat requests, the requested model ("" for none). A request for
  // a model inside a Retry-After window an earlier answer announced for it is counted; the answer's
  // own window (`retry_after_window_ms` from now) starts one.
  void ApiRequestAnswered(int status, std::string_view model,
                          std::optional<int64_t> retry_after_window_ms = std::nullopt);
  // A chat request that arrived with a `user` field, counted by its value: a test that puts an
  // execution's node (or idempotency key) there counts the upstream calls each node made, also
  // the ones whose answer its caller never read (it was killed).
  void ChatRequestFromUser(std::string_view user);
  // The response finished (completely written, or cut on purpose), or the client went away first.
  void ApiRequestEnded(bool aborted);

  // {"requests", "chat_requests", "models_requests", "connections_accepted", "connections_open",
  //  "requests_aborted", "in_flight", "max_in_flight", "by_model", "status_counts",
  //  "last_request_headers", "requests_inside_retry_after", "inside_retry_after_by_model",
  //  "by_user"}.
  //  max_in_flight is the most API requests in flight at once.
  nlohmann::json ToJson() const;

  // The latest `limit` logged requests, oldest first: [{method, path, headers, body}]. Bodies may
  // hold any bytes: dump the result with error_handler_t::replace.
  nlohmann::json RecentRequests(size_t limit) const;

  // Zeroes the counters and clears the log.
  void Reset();

 private:
  struct LoggedRequest {
    std::string method;
    std::string path;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool body_truncated = false;
  };

  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> chat_requests_{0};
  std::atomic<int64_t> models_requests_{0};
  std::atomic<int64_t> connections_accepted_{0};
  std::atomic<int64_t> connections_open_{0};
  std::atomic<int64_t> requests_aborted_{0};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> max_in_flight_{0};

  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> by_model_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> by_user_ ABSL_GUARDED_BY(mu_);
  std::map<int, int64_t> status_counts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> retry_after_until_ ABSL_GUARDED_BY(mu_);  // by model
  std::map<std::string, int64_t> inside_retry_after_ ABSL_GUARDED_BY(mu_);    // by model
  std::vector<LoggedRequest> log_ ABSL_GUARDED_BY(mu_);  // ring buffer
  size_t log_next_ ABSL_GUARDED_BY(mu_) = 0;             // where the next entry goes
  size_t log_count_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::pair<std::string, std::string>> last_api_headers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_STATS_H_
