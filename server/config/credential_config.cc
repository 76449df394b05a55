#include "server/config/credential_config.h"

namespace flowhost::config {

CredentialConfigs DefaultCredentials() {
  CredentialConfigs credentials;
  CredentialConfig& openrouter = credentials[kDefaultCredentialName];
  openrouter.from_env = kDefaultCredentialEnv;
  openrouter.attributes["base_url"] = "https://openrouter.ai/api/v1";
  return credentials;
}

const std::vector<std::string>& CredentialEntryKeys() {
  static const std::vector<std::string>* const kKeys =
      new std::vector<std::string>{"from_env",     "from_file", "attributes",   "api_key_env",
                                   "api_key_file", "base_url",  "http_referer", "app_title"};
  return *kKeys;
}

void SetCredentialField(CredentialConfig& entry, const std::string& key, std::string value) {
  if (key == "from_env" || key == "api_key_env") {
    entry.from_env = std::move(value);
  } else if (key == "from_file" || key == "api_key_file") {
    entry.from_file = std::move(value);
  } else {
    entry.attributes[key] = std::move(value);
  }
}

bool IsCredentialName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> CredentialConfigProblems(const CredentialConfigs& credentials) {
  std::vector<std::string> problems;
  for (const auto& [name, entry] : credentials) {
    if (entry.from_env.empty() && entry.from_file.empty()) {
      problems.push_back("credentials." + name +
                         ": set from_env (an environment variable) or from_file (a file) to say "
                         "where its secret is read from");
    }
  }
  return problems;
}

}  // namespace flowhost::config
