#include "server/config/credential_store.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"

namespace flowhost::config {
namespace {

absl::StatusOr<std::string> ReadSecretFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(std::string(what) + " file '" + path + "' cannot be read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Trim(std::string_view text) {
  return std::string(sdk::AsStd(absl::StripAsciiWhitespace(sdk::AsAbsl(text))));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConfigCredentialStore>> ConfigCredentialStore::Create(
    const HostConfig& config, const GetEnvFunction& getenv) {
  std::unique_ptr<ConfigCredentialStore> store(new ConfigCredentialStore());
  const OpenRouterConfig& openrouter = config.openrouter;
  std::string key;
  if (!openrouter.api_key_file.empty()) {
    absl::StatusOr<std::string> text =
        ReadSecretFile(openrouter.api_key_file, "OpenRouter API key");
    if (!text.ok()) return text.status();
    key = Trim(*text);
    if (key.empty()) {
      return absl::FailedPreconditionError("OpenRouter API key file '" + openrouter.api_key_file +
                                           "' is empty");
    }
    store->openrouter_key_source_ = "file " + openrouter.api_key_file;
  } else if (std::optional<std::string> value =
                 getenv ? getenv(openrouter.api_key_env) : std::nullopt;
             value.has_value() && !Trim(*value).empty()) {
    key = Trim(*value);
    store->openrouter_key_source_ = "environment variable " + openrouter.api_key_env;
  } else {
    store->openrouter_key_source_ = "not set";
  }
  store->missing_key_message_ =
      "no OpenRouter API key is configured: set the environment variable " +
      openrouter.api_key_env + " or credentials.openrouter.api_key_file, and restart the server";

  store->openrouter_.name = std::string(kOpenRouterCredential);
  store->openrouter_.secret = sdk::Secret(std::move(key));
  sdk::Json attributes = {{"base_url", openrouter.base_url}};
  if (!openrouter.http_referer.empty()) attributes["http_referer"] = openrouter.http_referer;
  if (!openrouter.app_title.empty()) attributes["app_title"] = openrouter.app_title;
  store->openrouter_.attributes = std::move(attributes);
  return store;
}

absl::StatusOr<sdk::Credential> ConfigCredentialStore::Get(std::string_view name) const {
  if (name != kOpenRouterCredential) {
    return sdk::NodeError(
        absl::StatusCode::kNotFound, sdk::error_class::kNotFound,
        "no credential named '" + std::string(name) + "' is configured (known: openrouter)");
  }
  if (openrouter_.secret.empty()) {
    return sdk::NodeError(absl::StatusCode::kFailedPrecondition, sdk::error_class::kAuth,
                          missing_key_message_);
  }
  return openrouter_;
}

std::vector<std::string> ConfigCredentialStore::RevealAllForScrubbing() const {
  if (openrouter_.secret.empty()) return {};
  return {openrouter_.secret.reveal()};
}

absl::StatusOr<std::vector<sdk::Secret>> LoadCallerTokens(const AuthConfig& auth,
                                                          const GetEnvFunction& getenv) {
  std::vector<sdk::Secret> tokens;
  if (!auth.tokens_env.empty() && getenv) {
    if (std::optional<std::string> value = getenv(auth.tokens_env)) {
      for (absl::string_view token : absl::StrSplit(sdk::AsAbsl(*value), ',')) {
        std::string trimmed = Trim(sdk::AsStd(token));
        if (!trimmed.empty()) tokens.emplace_back(std::move(trimmed));
      }
    }
  }
  if (!auth.tokens_file.empty()) {
    absl::StatusOr<std::string> text = ReadSecretFile(auth.tokens_file, "auth tokens");
    if (!text.ok()) return text.status();
    for (absl::string_view line : absl::StrSplit(sdk::AsAbsl(*text), '\n')) {
      std::string trimmed = Trim(sdk::AsStd(line));
      if (!trimmed.empty() && trimmed[0] != '#') tokens.emplace_back(std::move(trimmed));
    }
  }
  return tokens;
}

std::map<std::string, std::string, std::less<>> AllowlistedEnvironment(
    const HostConfig& config, const GetEnvFunction& getenv) {
  std::map<std::string, std::string, std::less<>> env;
  if (!getenv) return env;
  for (const std::string& name : config.env_allowlist) {
    if (std::optional<std::string> value = getenv(name)) env[name] = *value;
  }
  return env;
}

}  // namespace flowhost::config
