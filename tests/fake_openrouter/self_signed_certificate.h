// A self-signed certificate for 127.0.0.1 (and localhost), made with the openssl command for a
// test's TLS listener: the certificate is its own CA, so a client trusts it by naming cert_file
// as its CA file, and a server asking for client certificates accepts it when its CA file is it.
//
// Header-only, for any test binary. Thread-compatible.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_SELF_SIGNED_CERTIFICATE_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_SELF_SIGNED_CERTIFICATE_H_

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace flowhost::fake_openrouter {

struct SelfSignedCertificate {
  std::string cert_file;  // PEM certificate
  std::string key_file;   // PEM private key, not encrypted
};

// Makes `dir`/`name`.pem and `dir`/`name`-key.pem. FAILED_PRECONDITION when the openssl command
// fails (it is not installed, say).
inline absl::StatusOr<SelfSignedCertificate> MakeSelfSignedCertificate(
    const std::filesystem::path& dir, const std::string& name) {
  SelfSignedCertificate made{(dir / (name + ".pem")).string(),
                             (dir / (name + "-key.pem")).string()};
  std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '" +
      made.key_file + "' -out '" + made.cert_file + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) {
    return absl::FailedPreconditionError("openssl req failed (is the openssl command installed?)");
  }
  return made;
}

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_SELF_SIGNED_CERTIFICATE_H_
