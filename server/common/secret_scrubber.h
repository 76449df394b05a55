// Removes credentials from text that leaves the process: every log line (the JsonLogger runs it
// on the whole line), and gRPC status messages and error details. One scrubber, so a log line
// never keeps what a returned error hides.
//
// Two rules:
//   - known secrets (the upstream API keys, the callers' bearer tokens) are replaced wherever they
//     occur;
//   - anything shaped like a credential is replaced too, as a second line of defence for secrets
//     the host never knew about (a different key echoed by an upstream): an OpenRouter key
//     ("sk-or-..."), another provider's ("sk-" and 20 more characters), and the token after
//     "Bearer " when it looks like one (12 characters or more with a digit, mixed case or a symbol,
//     or 24 or more). Ordinary words are left alone: "requires a bearer token" stays as it is.
// Each replacement reads "<redacted>".
//
// Ownership: built once at start-up (the Runtime) and shared read-only by the logger and the
// service. Thread-safety: immutable after construction; Scrub may be called from any thread.
#ifndef FLOWHOST_SERVER_COMMON_SECRET_SCRUBBER_H_
#define FLOWHOST_SERVER_COMMON_SECRET_SCRUBBER_H_

#include <string>
#include <string_view>
#include <vector>

namespace flowhost::common {

class SecretScrubber {
 public:
  // Secrets shorter than this are not replaced by value (they would mangle ordinary words); the
  // shape-based rules still apply to them.
  static constexpr size_t kMinSecretLength = 6;

  SecretScrubber() = default;
  explicit SecretScrubber(std::vector<std::string> secrets);

  // `text` with every secret replaced by "<redacted>".
  std::string Scrub(std::string_view text) const;

  // Whether `text` holds a known secret (of kMinSecretLength or more).
  bool ContainsSecret(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so a secret containing another goes whole
};

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_SECRET_SCRUBBER_H_
