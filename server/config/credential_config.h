// The `credentials:` section of the host configuration: every credential by name, each saying
// where its secret is read from (an environment variable or a file, never the secret itself) and
// the non-secret attributes that go with it (a base URL, attribution headers). Nodes ask for a
// credential by name; the host knows no upstream by name.
//
//   credentials:
//     openrouter: {from_env: OPENROUTER_API_KEY, base_url: https://openrouter.ai/api/v1}
//     search:
//       from_file: /run/secrets/search_api_key
//       attributes: {base_url: https://search.example.com/v1}
//
// One entry exists by default: `openrouter`, read from OPENROUTER_API_KEY, so configurations
// written before credentials had names work unchanged. Its older keys stay accepted in every
// entry: `api_key_env` and `api_key_file` mean `from_env` and `from_file`; `base_url`,
// `http_referer` and `app_title` are attributes of those names.
//
// Thread-safety: plain values and pure functions.
#ifndef FLOWHOST_SERVER_CONFIG_CREDENTIAL_CONFIG_H_
#define FLOWHOST_SERVER_CONFIG_CREDENTIAL_CONFIG_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace flowhost::config {

// Where one credential's secret comes from, and its attributes.
struct CredentialConfig {
  std::string from_env;   // the environment variable holding the secret
  std::string from_file;  // a file holding it (whitespace around it ignored); wins over from_env
  std::map<std::string, std::string> attributes;  // non-secret; empty values are left out
};

using CredentialConfigs = std::map<std::string, CredentialConfig, std::less<>>;

// The name of the credential that exists by default, and where it is read from.
inline constexpr char kDefaultCredentialName[] = "openrouter";
inline constexpr char kDefaultCredentialEnv[] = "OPENROUTER_API_KEY";

// The credentials every configuration starts from: the default one, with its base_url.
CredentialConfigs DefaultCredentials();

// The keys a credential entry may have, older spellings included, for messages and suggestions.
const std::vector<std::string>& CredentialEntryKeys();

// Sets key `key` of entry `entry` (one of CredentialEntryKeys() but `attributes`) to `value`.
void SetCredentialField(CredentialConfig& entry, const std::string& key, std::string value);

// True for a usable credential name: letters, digits, '_', '-' and '.', at most 64 of them.
bool IsCredentialName(const std::string& name);

// Problems of the merged configuration, one message each ("credentials.search: set from_env or
// from_file").
std::vector<std::string> CredentialConfigProblems(const CredentialConfigs& credentials);

}  // namespace flowhost::config

#endif  // FLOWHOST_SERVER_CONFIG_CREDENTIAL_CONFIG_H_
