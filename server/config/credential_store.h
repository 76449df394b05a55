// The secrets the configuration points at, read once at start-up: the upstream credential
// ("openrouter": its API key from a file or an environment variable, with base_url and the
// attribution headers as attributes), the callers' bearer tokens, and the environment variables
// workflows may read as $env.
//
// A missing OpenRouter key is not a start-up error (workflows that need no upstream still run): Get
// then fails with FAILED_PRECONDITION, error class "auth", naming what to set. An api_key_file or
// tokens_file that is configured but unreadable is a start-up error.
//
// Ownership: the host owns the store; it outlives the executor that reads it.
// Thread-safety: immutable after Create; Get may be called from any thread.
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

// The name workflows use for the OpenRouter credential.
inline constexpr std::string_view kOpenRouterCredential = "openrouter";

class ConfigCredentialStore : public executor::CredentialStore {
 public:
  static absl::StatusOr<std::unique_ptr<ConfigCredentialStore>> Create(
      const HostConfig& config, const GetEnvFunction& getenv);

  // NOT_FOUND for an unknown name; FAILED_PRECONDITION (class "auth") when the key is not set.
  absl::StatusOr<sdk::Credential> Get(std::string_view name) const override;

  bool has_openrouter_key() const { return !openrouter_.secret.empty(); }

  // Where the OpenRouter key came from, for the start-up log ("file /path", "environment variable
  // OPENROUTER_API_KEY", or "not set"). Never the key.
  const std::string& openrouter_key_source() const { return openrouter_key_source_; }

  // Every secret held, for the service's scrubber. The only caller is the host's start-up.
  std::vector<std::string> RevealAllForScrubbing() const;

 private:
  ConfigCredentialStore() = default;

  sdk::Credential openrouter_;
  std::string openrouter_key_source_;
  std::string missing_key_message_;
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
