// The fake OpenRouter server's event loops: `threads` workers, each with its own libevent
// event_base and its own listening socket on the same loopback port (SO_REUSEPORT when there is
// more than one), so the kernel spreads connections across them. No thread per connection: one
// worker holds thousands of slow requests open at once.
//
// Create() binds (refusing any non-loopback host) and returns the port; Run() serves until Stop().
// Stop() may be called from any thread; SIGINT and SIGTERM stop a running server too.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_SERVER_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/fake_openrouter/fake_state.h"

namespace flowhost::fake_openrouter {

struct ServerOptions {
  std::string host = "127.0.0.1";  // 127.0.0.0/8, "localhost" or "::1"
  int port = 0;                    // 0 picks a free port
  int threads = 1;
};

class Server {
 public:
  // Binds the listeners. `state` must outlive the server.
  static absl::StatusOr<std::unique_ptr<Server>> Create(const ServerOptions& options,
                                                        FakeState* state);
  ~Server();

  // The bound port.
  int port() const { return port_; }

  // Serves until Stop() or SIGINT/SIGTERM; runs worker 0 on the calling thread.
  void Run();

  // Makes Run() return. Thread-safe.
  void Stop();

 private:
  struct Worker;

  Server() = default;

  int port_ = 0;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_SERVER_H_
