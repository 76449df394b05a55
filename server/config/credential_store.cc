#include "server/config/credential_store.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

std::string Stripped(std::string_view text) {
  return std::string(sdk::AsStd(absl::StripAsciiWhitespace(sdk::AsAbsl(text))));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConfigCredentialStore>> ConfigCredentialStore::Create(
    const HostConfig& config, const GetEnvFunction& getenv, MissingSecretAdvice advice) {
  std::unique_ptr<ConfigCredentialStore> store(new ConfigCredentialStore());
  for (const auto& [name, source] : config.credentials) {
    Entry entry;
    std::string secret;
    if (!source.from_file.empty()) {
      absl::StatusOr<std::string> text =
          ReadSecretFile(source.from_file, "credential '" + name + "': the secret");
      if (!text.ok()) return text.status();
      secret = Stripped(*text);
      if (secret.empty()) {
        return absl::FailedPreconditionError("credential '" + name + "': the secret file '" +
                                             source.from_file + "' (credentials." + name +
                                             ".from_file) is empty");
      }
      entry.source = "file " + source.from_file;
    } else if (std::optional<std::string> value = getenv ? getenv(source.from_env) : std::nullopt;
               value.has_value() && !Stripped(*value).empty()) {
      secret = Stripped(*value);
      entry.source = "environment variable " + source.from_env;
    } else {
      entry.source = "not set: environment variable " + source.from_env + " is unset";
      entry.missing_message =
          "credential '" + name + "' has no secret: it is read from the environment variable " +
          source.from_env + " (credentials." + name +
          ".from_env), which is unset or empty; set it, or point the "
          "credential at another variable or a file (from_file), and " +
          (advice == MissingSecretAdvice::kRestartTheServer ? std::string("restart the server")
                                                            : std::string("run again"));
      if (advice == MissingSecretAdvice::kRunAgain && name == kDefaultCredentialName) {
        entry.missing_message +=
            "; or run with --offline to use the bundled fake OpenRouter, which needs no key";
      }
    }
    entry.credential.name = name;
    entry.credential.secret = sdk::Secret(std::move(secret));
    sdk::Json attributes = sdk::Json::object();
    for (const auto& [key, value] : source.attributes) {
      if (!value.empty()) attributes[key] = value;
    }
    entry.credential.attributes = std::move(attributes);
    store->entries_.emplace(name, std::move(entry));
  }
  return store;
}

absl::StatusOr<sdk::Credential> ConfigCredentialStore::Get(std::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    std::vector<std::string> known;
    for (const auto& [known_name, entry] : entries_) known.push_back(known_name);
    return sdk::NodeError(
        absl::StatusCode::kNotFound, sdk::error_class::kNotFound,
        absl::StrCat("no credential named '", sdk::AsAbsl(name), "' is configured (configured: ",
                     known.empty() ? std::string("none") : absl::StrJoin(known, ", "),
                     "); add it under credentials: in the host configuration"));
  }
  const Entry& entry = it->second;
  if (entry.credential.secret.empty()) {
    return sdk::NodeError(absl::StatusCode::kFailedPrecondition, sdk::error_class::kAuth,
                          entry.missing_message);
  }
  return entry.credential;
}

std::map<std::string, std::string> ConfigCredentialStore::Sources() const {
  std::map<std::string, std::string> sources;
  for (const auto& [name, entry] : entries_) sources[name] = entry.source;
  return sources;
}

std::vector<std::string> ConfigCredentialStore::RevealAllForScrubbing() const {
  std::vector<std::string> secrets;
  for (const auto& [name, entry] : entries_) {
    if (!entry.credential.secret.empty()) secrets.push_back(entry.credential.secret.reveal());
  }
  return secrets;
}

absl::StatusOr<std::vector<sdk::Secret>> LoadCallerTokens(const AuthConfig& auth,
                                                          const GetEnvFunction& getenv) {
  std::vector<sdk::Secret> tokens;
  if (!auth.tokens_env.empty() && getenv) {
    if (std::optional<std::string> value = getenv(auth.tokens_env)) {
      for (absl::string_view token : absl::StrSplit(sdk::AsAbsl(*value), ',')) {
        std::string trimmed = Stripped(sdk::AsStd(token));
        if (!trimmed.empty()) tokens.emplace_back(std::move(trimmed));
      }
    }
  }
  if (!auth.tokens_file.empty()) {
    absl::StatusOr<std::string> text = ReadSecretFile(auth.tokens_file, "auth tokens");
    if (!text.ok()) return text.status();
    for (absl::string_view line : absl::StrSplit(sdk::AsAbsl(*text), '\n')) {
      std::string trimmed = Stripped(sdk::AsStd(line));
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
