// Helpers for the HTTP client's tests: a collector that waits for completions (on the event, with a
// generous bound), the process's thread count, and a listener whose connects never complete.
#ifndef FLOWHOST_TESTS_HTTP_HTTP_TEST_SUPPORT_H_
#define FLOWHOST_TESTS_HTTP_HTTP_TEST_SUPPORT_H_

#include <deque>
#include <optional>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "flowhost/sdk/http_client.h"

namespace flowhost::http::testing {

// Collects completions. Each Add() returns a callback for one request; results are kept in order.
// Thread-safety: all methods are safe from any thread.
class Completions {
 public:
  struct Entry {
    std::optional<absl::StatusOr<sdk::HttpResponse>> result;
    std::thread::id thread;
  };

  sdk::HttpDone Add();
  // Waits until every added callback ran. False on timeout.
  bool WaitForAll(absl::Duration timeout = absl::Seconds(60));
  // Waits until at least `n` ran. False on timeout.
  bool WaitForCount(int n, absl::Duration timeout = absl::Seconds(60));
  int done() const;
  // The entry of the i-th Add(); only read it after it completed.
  const Entry& at(int i) const;
  const absl::StatusOr<sdk::HttpResponse>& result(int i) const { return *at(i).result; }

 private:
  mutable absl::Mutex mu_;
  std::deque<Entry> entries_ ABSL_GUARDED_BY(mu_);
  int done_ ABSL_GUARDED_BY(mu_) = 0;
};

// The number of threads in this process now (the Threads line of /proc/self/status).
int ProcessThreadCount();

// A listening socket on 127.0.0.1 whose accept queue is full, so a new connect() never completes:
// the way to make a connect timeout happen on loopback.
class BlackholeListener {
 public:
  BlackholeListener();
  ~BlackholeListener();
  int port() const { return port_; }

 private:
  int listen_fd_ = -1;
  int filler_fds_[2] = {-1, -1};
  int port_ = 0;
};

// A port on 127.0.0.1 nothing listens on (connects are refused).
int UnusedPort();

}  // namespace flowhost::http::testing

#endif  // FLOWHOST_TESTS_HTTP_HTTP_TEST_SUPPORT_H_
