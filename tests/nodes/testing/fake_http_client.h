// An in-memory sdk::HttpClient for node unit tests. Every request is kept (headers and body
// included) so tests can inspect what a node sent; responses come from a handler the test installs,
// or later from the test itself (Respond / Stream / Fail) for requests the handler left pending.
// Completions are posted to the scheduler, never run inline, like the real client's; a streamed
// response's chunks go through the request's on_body_chunk before the completion.
//
// Thread-safety: all methods take a lock; use it with a ManualScheduler from one test thread.
#ifndef FLOWHOST_TESTS_NODES_TESTING_FAKE_HTTP_CLIENT_H_
#define FLOWHOST_TESTS_NODES_TESTING_FAKE_HTTP_CLIENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/scheduler.h"

namespace flowhost::node_testing {

// What the fake answers with.
struct FakeResponse {
  absl::Status transport = absl::OkStatus();  // not OK: the request fails with it
  int status = 200;
  sdk::HttpHeaders headers;
  std::string body;                 // for non-streamed answers and non-2xx bodies
  std::vector<std::string> chunks;  // for streamed 2xx answers (with on_body_chunk)

  static FakeResponse Json(int status, std::string body, sdk::HttpHeaders headers = {});
  static FakeResponse Sse(std::vector<std::string> chunks);
  static FakeResponse Error(absl::Status status);
};

class FakeHttpClient : public sdk::HttpClient {
 public:
  // Returns the response for a request, or nullopt to leave it pending.
  using Handler = std::function<std::optional<FakeResponse>(const sdk::HttpRequest& request)>;

  explicit FakeHttpClient(sdk::Scheduler& scheduler) : scheduler_(scheduler) {}

  sdk::HttpCallPtr Send(sdk::HttpRequest request, sdk::HttpDone done) override;

  void SetHandler(Handler handler);

  // Answers request number `index` (in Send order) if it is still pending. Returns false otherwise.
  bool Respond(size_t index, FakeResponse response);

  // Copies of every request sent so far (without their callbacks), in order.
  std::vector<sdk::HttpRequest> requests() const;
  size_t request_count() const;
  // Requests still waiting for an answer.
  size_t pending() const;
  // How many calls were cancelled while pending.
  int cancelled() const;

 private:
  struct Call;
  class Handle;
  void Complete(const std::shared_ptr<Call>& call, FakeResponse response);

  sdk::Scheduler& scheduler_;
  mutable absl::Mutex mu_;
  Handler handler_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Call>> calls_ ABSL_GUARDED_BY(mu_);
  int cancelled_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::node_testing

#endif  // FLOWHOST_TESTS_NODES_TESTING_FAKE_HTTP_CLIENT_H_
