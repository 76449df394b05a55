// Debian's nghttpx as a TLS + HTTP/2 front for a plain HTTP/1.1 backend (the fake OpenRouter), so
// the client's HTTP/2 multiplexing and TLS paths are tested on loopback. A throw-away self-signed
// certificate for 127.0.0.1 is made with the openssl command in a temporary directory.
//
// Start() fails (FAILED_PRECONDITION) when nghttpx or openssl is not installed, so a test can skip.
// The destructor stops nghttpx and removes the directory. Thread-compatible.
#ifndef FLOWHOST_TESTS_HTTP_TLS_H2_PROXY_H_
#define FLOWHOST_TESTS_HTTP_TLS_H2_PROXY_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace flowhost::http::testing {

class TlsH2Proxy {
 public:
  static absl::StatusOr<std::unique_ptr<TlsH2Proxy>> Start(int backend_port);
  ~TlsH2Proxy();
  TlsH2Proxy(const TlsH2Proxy&) = delete;
  TlsH2Proxy& operator=(const TlsH2Proxy&) = delete;

  // "https://127.0.0.1:<port>"
  std::string origin() const;
  // The certificate to trust (it is its own CA).
  const std::string& ca_file() const { return ca_file_; }

 private:
  TlsH2Proxy() = default;
  void ReadLog(int fd);

  std::string dir_;
  std::string ca_file_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::thread log_reader_;  // drains nghttpx's log (its stderr) until it exits
  absl::Mutex mu_;
  std::string log_ ABSL_GUARDED_BY(mu_);
  bool log_closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flowhost::http::testing

#endif  // FLOWHOST_TESTS_HTTP_TLS_H2_PROXY_H_
