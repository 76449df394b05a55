// Runs h2_front.sh for a test: Debian's nghttpx terminating TLS + HTTP/2 in front of a running fake
// OpenRouter, with a throw-away self-signed certificate, so a client's HTTP/2 multiplexing can be
// tested on loopback. nghttpx talks HTTP/1.1 to the fake over its own pooled connections.
//
//   auto fake = FakeProcess::Start();
//   auto front = H2Front::Start((*fake)->port());   // NotFound when nghttpx is not installed
//   curl: URL (*front)->base_url() + "/chat/completions", CURLOPT_CAINFO (*front)->ca_file()
//
// Owns the script's process: the destructor stops nghttpx and removes the certificate.
// Thread-compatible.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_H2_FRONT_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_H2_FRONT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/fake_openrouter/child_process.h"

namespace flowhost::fake_openrouter {

class H2Front {
 public:
  // Starts the front for the fake listening on `backend_port`.
  static absl::StatusOr<std::unique_ptr<H2Front>> Start(int backend_port);

  int port() const { return port_; }
  // "https://127.0.0.1:<port>"
  std::string origin() const;
  // "https://127.0.0.1:<port>/api/v1"
  std::string base_url() const { return origin() + "/api/v1"; }
  // The certificate a client must trust (PEM).
  const std::string& ca_file() const { return ca_file_; }

  // Stops nghttpx; OK when the script exited cleanly.
  absl::Status Stop() { return child_->Stop(); }

 private:
  H2Front() = default;

  std::unique_ptr<ChildProcess> child_;
  int port_ = 0;
  std::string ca_file_;
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_H2_FRONT_H_
