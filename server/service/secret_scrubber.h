// Removes credentials from text that leaves the process: gRPC status messages, error details and
// log lines the service writes. Known secrets (the upstream API keys, the callers' bearer tokens)
// are replaced wherever they occur, and so is anything shaped like one ("Bearer <token>", an
// OpenRouter key "sk-or-..."), as a second line of defence for secrets the host never knew about.
//
// Ownership: built once at start-up from the configuration and shared read-only by every RPC.
// Thread-safety: immutable after construction; Scrub may be called from any thread.
#ifndef FLOWHOST_SERVER_SERVICE_SECRET_SCRUBBER_H_
#define FLOWHOST_SERVER_SERVICE_SECRET_SCRUBBER_H_

#include <string>
#include <string_view>
#include <vector>

namespace flowhost::service {

class SecretScrubber {
 public:
  // Secrets shorter than this are not replaced by value (they would mangle ordinary words); the
  // shape-based rules still apply to them.
  static constexpr size_t kMinSecretLength = 6;

  SecretScrubber() = default;
  explicit SecretScrubber(std::vector<std::string> secrets);

  // `text` with every secret replaced by "<redacted>".
  std::string Scrub(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so a secret containing another goes whole
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_SECRET_SCRUBBER_H_
