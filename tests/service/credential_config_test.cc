// Credentials by name in the host configuration: `credentials: {NAME: {from_env | from_file,
// attributes}}`, positioned errors, the default `openrouter` entry and its older keys, the store
// that reads them, and env_allowlist refusing every credential's variable.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service/config_test_fixture.h"
#include "server/config/credential_store.h"
#include "server/config/host_config.h"

namespace flowhost::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class CredentialConfigTest : public testing::ConfigTest {
 protected:
  // Loads `yaml` as the file "host.yaml" with `env` as the environment.
  absl::StatusOr<HostConfig> Load(const std::string& yaml,
                                  std::map<std::string, std::string> env = {}) {
    ConfigSources sources = Sources(std::move(env));
    sources.file = "host.yaml";
    sources.file_text = yaml;
    return LoadHostConfig(sources);
  }
};

TEST_F(CredentialConfigTest, NamedCredentialsComeFromTheEnvironmentOrAFile) {
  std::string file = Write("mail.key", "  mail-secret-from-file\n");
  absl::StatusOr<HostConfig> config = Load(R"(credentials:
  search:
    from_env: SEARCH_API_KEY
    attributes: {base_url: "https://search.example.test/v1", region: eu}
  mail:
    from_file: )" + file + "\n",
                                           {{"SEARCH_API_KEY", "search-secret-from-env"}});
  ASSERT_TRUE(config.ok()) << config.status();
  std::vector<std::string> names;
  for (const auto& [name, entry] : config->credentials) names.push_back(name);
  EXPECT_THAT(names, ElementsAre("mail", "openrouter", "search"));  // the default stays

  auto store = ConfigCredentialStore::Create(*config, Getenv());
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<sdk::Credential> search = (*store)->Get("search");
  ASSERT_TRUE(search.ok()) << search.status();
  EXPECT_EQ(search->secret.reveal(), "search-secret-from-env");
  EXPECT_EQ(search->attributes,
            (sdk::Json{{"base_url", "https://search.example.test/v1"}, {"region", "eu"}}));
  absl::StatusOr<sdk::Credential> mail = (*store)->Get("mail");
  ASSERT_TRUE(mail.ok()) << mail.status();
  EXPECT_EQ(mail->secret.reveal(), "mail-secret-from-file");
  EXPECT_EQ((*store)->Sources().at("search"), "environment variable SEARCH_API_KEY");
  EXPECT_EQ((*store)->Sources().at("mail"), "file " + file);
  std::vector<std::string> secrets = (*store)->RevealAllForScrubbing();
  EXPECT_THAT(secrets,
              ::testing::UnorderedElementsAre("search-secret-from-env", "mail-secret-from-file"));
}

TEST_F(CredentialConfigTest, TheDefaultOpenRouterCredentialNeedsNoConfiguration) {
  absl::StatusOr<HostConfig> config = Load("", {{"OPENROUTER_API_KEY", "or-secret-abcdef"}});
  ASSERT_TRUE(config.ok()) << config.status();
  auto store = ConfigCredentialStore::Create(*config, Getenv());
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<sdk::Credential> openrouter = (*store)->Get("openrouter");
  ASSERT_TRUE(openrouter.ok()) << openrouter.status();
  EXPECT_EQ(openrouter->secret.reveal(), "or-secret-abcdef");
  EXPECT_EQ(openrouter->attributes, (sdk::Json{{"base_url", "https://openrouter.ai/api/v1"}}));
}

TEST_F(CredentialConfigTest, TheOlderOpenRouterKeysStillWork) {
  std::string file = Write("or.key", "or-secret-from-file\n");
  absl::StatusOr<HostConfig> config = Load(R"(credentials:
  openrouter:
    api_key_file: )" + file + R"(
    http_referer: https://example.test
    app_title: my-service
)");
  ASSERT_TRUE(config.ok()) << config.status();
  auto store = ConfigCredentialStore::Create(*config, Getenv());
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<sdk::Credential> openrouter = (*store)->Get("openrouter");
  ASSERT_TRUE(openrouter.ok()) << openrouter.status();
  EXPECT_EQ(openrouter->secret.reveal(), "or-secret-from-file");
  EXPECT_EQ(openrouter->attributes["http_referer"], "https://example.test");
  EXPECT_EQ(openrouter->attributes["app_title"], "my-service");
  EXPECT_EQ(openrouter->attributes["base_url"], "https://openrouter.ai/api/v1");
}

TEST_F(CredentialConfigTest, MistakesAreReportedWithFileLineAndColumn) {
  absl::StatusOr<HostConfig> config = Load(R"(credentials:
  search:
    form_env: SEARCH_API_KEY
  mail: just-a-string
  "bad name!": {from_env: X}
  empty: {}
  weather:
    from_env: WEATHER_KEY
    attributes: [not, a, mapping]
)");
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("host.yaml:3:5: unknown key 'credentials.search.form_env' (a "
                                 "credential takes from_env, from_file and attributes) (did you "
                                 "mean 'credentials.search.from_env'?)"));
  EXPECT_THAT(message, HasSubstr("host.yaml:2:3: credentials.search: set from_env (an "
                                 "environment variable) or from_file (a file)"));
  EXPECT_THAT(message, HasSubstr("host.yaml:4:9: 'credentials.mail' must be a mapping such as "
                                 "{from_env: VARIABLE} or {from_file: PATH}"));
  EXPECT_THAT(message, HasSubstr("host.yaml:5:3: a credential name is a plain word"));
  EXPECT_THAT(message, HasSubstr("host.yaml:6:3: credentials.empty: set from_env"));
  EXPECT_THAT(message, HasSubstr("host.yaml:9:17: 'credentials.weather.attributes' must be a "
                                 "mapping of names to plain values"));
}

TEST_F(CredentialConfigTest, AMissingSecretNamesTheCredentialAndItsVariableNotAValue) {
  absl::StatusOr<HostConfig> config = Load("credentials:\n  search: {from_env: SEARCH_API_KEY}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  auto store = ConfigCredentialStore::Create(*config, Getenv());
  ASSERT_TRUE(store.ok()) << store.status();  // not a start-up error: it fails when used
  absl::StatusOr<sdk::Credential> search = (*store)->Get("search");
  EXPECT_EQ(search.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(search.status().message()),
            "credential 'search' has no secret: it is read from the environment variable "
            "SEARCH_API_KEY (credentials.search.from_env), which is unset or empty; set it, or "
            "point the credential at another variable or a file (from_file), and restart the "
            "server");
  absl::StatusOr<sdk::Credential> unknown = (*store)->Get("github");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("no credential named 'github' is configured (configured: openrouter, "
                        "search)"));
}

TEST_F(CredentialConfigTest, AnUnreadableOrEmptySecretFileStopsTheStartUpNamingTheCredential) {
  absl::StatusOr<HostConfig> config =
      Load("credentials:\n  mail: {from_file: " + (dir_ / "missing.key").string() + "}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  auto store = ConfigCredentialStore::Create(*config, Getenv());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("credential 'mail': the secret file '"));

  config = Load("credentials:\n  mail: {from_file: " + Write("empty.key", "  \n") + "}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  store = ConfigCredentialStore::Create(*config, Getenv());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("(credentials.mail.from_file) is "
                                                               "empty"));
}

TEST_F(CredentialConfigTest, AllowlistingAnyCredentialsVariableIsRefused) {
  absl::StatusOr<HostConfig> config = Load(R"(credentials:
  search: {from_env: SEARCH_API_KEY}
env_allowlist: [REGION, SEARCH_API_KEY]
)");
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("env_allowlist: 'SEARCH_API_KEY' holds the secret of credential "
                                 "'search' (credentials.search.from_env)"));
  EXPECT_THAT(message, Not(HasSubstr("'REGION'")));
}

TEST_F(CredentialConfigTest, FlagsStillOverrideTheDefaultCredential) {
  env_ = {{"MY_KEY", "my-secret-value"}};
  ConfigSources sources;
  sources.file = "host.yaml";
  sources.file_text = "credentials:\n  openrouter: {from_env: FILE_KEY}\n";
  sources.getenv = Getenv();
  sources.flags = {{"openrouter-api-key-env", "MY_KEY"}};
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->credentials.at("openrouter").from_env, "MY_KEY");
}

}  // namespace
}  // namespace flowhost::config
