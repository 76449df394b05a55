// A small, event-driven HTTP/1.1 server on loopback for the HTTP client's tests: one epoll thread,
// keep-alive, thousands of slow requests at once, and scripted misbehaviour chosen by the path:
//
//   /echo                      200, body = JSON {"method", "path", "headers" (lower-case), "body"}
//   /delay/<ms>                200 "ok" after <ms>
//   /status/<code>             that status, body "status <code>", Retry-After: 7 on 429 and 503
//   /bytes/<n>                 200 with <n> bytes and a Content-Length
//   /chunked-bytes/<n>         200 with <n> bytes, chunked (no Content-Length to check up front)
//   /stream/<chunks>/<gap_ms>  200 chunked "data: <i>\n\n" every <gap_ms>; /stream-hang/... then
//   goes
//                              silent after the chunks, never ending the response
//   /gate                      held until OpenGate(), then 200 "ok" (at once once the gate is open)
//   /hang                      reads the request, never answers
//   /reset                     closes the connection with a TCP reset
//
// It counts TCP connections accepted, requests, and requests aborted by the client (the connection
// closed before the response was complete), so tests can prove reuse and cancellation.
//
// Thread-safety: the public methods may be called from any thread.
#ifndef FLOWHOST_TESTS_HTTP_TEST_HTTP_SERVER_H_
#define FLOWHOST_TESTS_HTTP_TEST_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace flowhost::http::testing {

struct TestServerStats {
  int64_t connections_accepted = 0;
  int64_t connections_open = 0;
  int64_t requests = 0;
  int64_t requests_aborted = 0;
  int64_t requests_pending = 0;  // read, response not complete yet
};

class TestHttpServer {
 public:
  TestHttpServer();  // listens on 127.0.0.1, port 0
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>" followed by `path`.
  std::string Url(const std::string& path) const;

  // Answers every request held at /gate, and every later one at once.
  void OpenGate();

  TestServerStats stats() const;
  // Waits until `condition` holds for the stats (checked on every change). False on timeout.
  bool WaitFor(const std::function<bool(const TestServerStats&)>& condition,
               absl::Duration timeout = absl::Seconds(30)) const;

 private:
  class Loop;
  void Update(const std::function<void(TestServerStats&)>& change);

  int listen_fd_ = -1;
  int wake_fd_ = -1;
  int gate_fd_ = -1;
  int port_ = 0;
  mutable absl::Mutex mu_;
  TestServerStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace flowhost::http::testing

#endif  // FLOWHOST_TESTS_HTTP_TEST_HTTP_SERVER_H_
