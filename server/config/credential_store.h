// The secrets the configuration points at, read once at start-up: every credential of
// `credentials:` by name (its secret from a file or an environment variable, its attributes), the
// callers' bearer tokens, and the environment variables workflows may read as $env.
//
// A credential whose environment variable is unset is not a start-up error (workflows that do not
// use it still run): Get then fails with FAILED_PRECONDITION, error class "auth", naming the
// credential and the variable to set. A from_file, or tokens_file, that is configured but
// unreadable or empty is a start-up error naming the credential and the file. No message holds a
// secret.
//
// Ownership: the host owns the store; it outlives the executor that reads it.
// Thread-safety: immutable after Create; every method may be called from any thread.
#ifndef FLOWHOST_SERVER_CONFIG_CREDENTIAL_STORE_H_
#define FLOWHOST_SERVER_CONFIG_CREDENTIAL_STORE_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "flowhost/sdk/credential.h"
#include "flowhost/sdk/secret.h"
#include "server/config/host_config.h"
#include "server/executor/executor.h"

namespace flowhost::config {

// What the error for a credential without a secret tells the developer to do once it is set:
// restart `flowhost serve`, or run `flowhost run` again (which can also go --offline).
enum class MissingSecretAdvice { kRestartTheServer, kRunAgain };

class ConfigCredentialStore : public executor::CredentialStore {
 public:
  static absl::StatusOr<std::unique_ptr<ConfigCredentialStore>> Create(
      const HostConfig& config, const GetEnvFunction& getenv,
      MissingSecretAdvice advice = MissingSecretAdvice::kRestartTheServer);

  // NOT_FOUND (class "not_found") for a name that is not configured; FAILED_PRECONDITION (class
  // "auth") when it is configured but its secret is not set.
  absl::StatusOr<sdk::Credential> Get(std::string_view name) const override;

  // Where each credential's secret came from, by name, for the start-up log ("file /path",
  // "environment variable OPENROUTER_API_KEY", "not set: environment variable X is unset").
  // Never a secret.
  std::map<std::string, std::string> Sources() const;

  // Every secret held, for the scrubber. The only caller is the host's start-up.
  std::vector<std::string> RevealAllForScrubbing() const;

 private:
  struct Entry {
    sdk::Credential credential;
    std::string source;
    std::string missing_message;  // when the secret is empty
  };

  ConfigCredentialStore() = default;

  std::map<std::string, Entry, std::less<>> entries_;
};

// The callers' bearer tokens from auth.tokens_env and auth.tokens_file (both, when both are set).
// Empty: authentication is off. FAILED_PRECONDITION when tokens_file cannot be read.
absl::StatusOr<std::vector<sdk::Secret>> LoadCallerTokens(const AuthConfig& auth,
                                                          const GetEnvFunction& getenv);

// The allowlisted environment variables that are set, for $env.
std::map<std::string, std::string, std::less<>> AllowlistedEnvironment(
    const HostConfig& config, const GetEnvFunction& getenv);

}  // namespace flowhost::config

#endif  // FLOWHOST_SERVER_CONFIG_CREDENTIAL_STORE_H_
