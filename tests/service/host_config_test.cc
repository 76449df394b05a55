// Host configuration: precedence flag > env > file > default, errors with positions, the
// credentials it points at, and that docs/configuration.md documents every setting.
#include "server/config/host_config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/config_settings.h"
#include "server/config/credential_store.h"
#include "tests/service/config_test_fixture.h"
#include "tests/source_dir.h"

namespace flowhost::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::ConfigTest;

TEST_F(ConfigTest, DefaultsApplyWithNoFileEnvOrFlags) {
  absl::StatusOr<HostConfig> config = LoadHostConfig(Sources());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "127.0.0.1:50051");
  EXPECT_EQ(config->workflows_dir, "workflows");
  EXPECT_EQ(config->log_level, "info");
  EXPECT_EQ(config->limits.max_executions_in_flight, 256);
  EXPECT_EQ(config->credentials.at("openrouter").from_env, "OPENROUTER_API_KEY");
  EXPECT_EQ(config->credentials.at("openrouter").attributes.at("base_url"),
            "https://openrouter.ai/api/v1");
  EXPECT_EQ(config->shutdown_grace_period, absl::Seconds(30));
  EXPECT_FALSE(config->tls.enabled());
  EXPECT_EQ(config->http.max_requests_in_flight, 4096);
  EXPECT_EQ(config->http.ca_file, "");
}

TEST_F(ConfigTest, FlagBeatsEnvBeatsFileBeatsDefault) {
  ConfigSources sources = Sources({{"FLOWHOST_LISTEN", "127.0.0.1:2"},
                                   {"FLOWHOST_WORKFLOWS", "from-env"},
                                   {"OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1"}});
  sources.file = Write("host.yaml", R"(listen: 127.0.0.1:1
workflows_dir: from-file
log_level: debug
limits:
  max_executions_in_flight: 7
  max_execution_time: 90s
credentials:
  openrouter:
    base_url: http://file.invalid/api/v1
    app_title: flowhost-test
)");
  sources.flags = {{"listen", "127.0.0.1:3"}};

  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "127.0.0.1:3");      // flag
  EXPECT_EQ(config->workflows_dir, "from-env");  // env over file
  EXPECT_EQ(config->credentials.at("openrouter").attributes.at("base_url"),
            "http://127.0.0.1:9/api/v1");  // env over file
  EXPECT_EQ(config->log_level, "debug");   // file over default
  EXPECT_EQ(config->limits.max_executions_in_flight, 7);
  EXPECT_EQ(config->limits.max_execution_time, absl::Seconds(90));
  EXPECT_EQ(config->credentials.at("openrouter").attributes.at("app_title"), "flowhost-test");
  EXPECT_EQ(config->limits.max_message_bytes, 4 << 20);  // default
}

TEST_F(ConfigTest, ConfigFileCanBeNamedByTheEnvironment) {
  std::string file = Write("env.yaml", "workflows_dir: named-by-env\n");
  absl::StatusOr<HostConfig> config = LoadHostConfig(Sources({{"FLOWHOST_CONFIG", file}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->workflows_dir, "named-by-env");
}

TEST_F(ConfigTest, UnknownKeysAreErrorsWithLineColumnAndSuggestion) {
  ConfigSources sources = Sources();
  sources.file = Write("bad.yaml", R"(listen: 127.0.0.1:1
limits:
  max_executions_in_fligth: 3
lisen: x
)");
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("bad.yaml:3:3: unknown key 'limits.max_executions_in_fligth' "
                                 "(did you mean 'limits.max_executions_in_flight'?)"));
  EXPECT_THAT(message, HasSubstr("bad.yaml:4:1: unknown key 'lisen' (did you mean 'listen'?)"));
}

TEST_F(ConfigTest, MalformedValuesAreAllReportedWithTheirSource) {
  ConfigSources sources = Sources({{"FLOWHOST_MAX_EXECUTIONS_IN_FLIGHT", "many"}});
  sources.file = Write("values.yaml", R"(shutdown_grace_period: soon
limits:
  max_executions_in_flight: 0
env_allowlist: {a: b}
)");
  sources.flags = {{"max-execution-time", "-5s"}, {"listn", "x"}};
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("values.yaml:1:24: 'shutdown_grace_period': expected a duration"));
  EXPECT_THAT(message,
              HasSubstr("values.yaml:3:29: 'limits.max_executions_in_flight': must be at least 1"));
  EXPECT_THAT(message, HasSubstr("values.yaml:4:16: 'env_allowlist': expected a value"));
  EXPECT_THAT(message, HasSubstr("environment variable FLOWHOST_MAX_EXECUTIONS_IN_FLIGHT: expected "
                                 "an integer, got 'many'"));
  EXPECT_THAT(message, HasSubstr("flag --max-execution-time: a duration must not be negative, got "
                                 "\"-5s\""));
  EXPECT_THAT(message, HasSubstr("unknown flag --listn (did you mean --listen?)"));
}

TEST_F(ConfigTest, YamlSyntaxErrorsHaveAPosition) {
  ConfigSources sources = Sources();
  sources.file = Write("syntax.yaml", "listen: [127.0.0.1:1\nlog_level: info\n");
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("syntax.yaml:"));
}

TEST_F(ConfigTest, AFileThatIsNotUtf8IsRefusedAtTheByte) {
  ConfigSources sources = Sources();
  sources.file = "latin1.yaml";
  sources.file_text = "log_level: info\nworkflows_dir: caf\xE9\n";
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("latin1.yaml:2:19: the file is not valid UTF-8 (byte 0xE9)"));
}

// yaml-cpp 0.7 decodes "\N" and "\_" to lone bytes that are not UTF-8; what the file says is
// U+0085 and U+00A0.
TEST_F(ConfigTest, NextLineAndNoBreakSpaceEscapesAreReadAsUtf8) {
  ConfigSources sources = Sources();
  sources.file_text = "workflows_dir: \"a\\_b\\Nc\"\n";
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->workflows_dir, "a\u00A0b\u0085c");
}

TEST_F(ConfigTest, AnUnknownEscapeOfAMultibyteCharacterIsReportedInUtf8) {
  ConfigSources sources = Sources();
  sources.file_text = "log_level: \"\\\u00e9\"\n";
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("unknown escape character: \uFFFD"));
}

TEST_F(ConfigTest, ConfigTextGivenInPlaceIsReadWithoutTheDiskAndNamedInMessages) {
  ConfigSources sources = Sources({{"FLOWHOST_CONFIG", (dir_ / "ignored.yaml").string()}});
  sources.file = "inline.yaml";  // does not exist: only names the text
  sources.file_text = "workflows_dir: from-text\nlimits:\n  max_executions_in_flight: 0\n";
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("inline.yaml:3:29: 'limits.max_executions_in_flight': must be at least 1"));

  sources.file.clear();
  sources.file_text = "workflows_dir: from-text\n";
  config = LoadHostConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->workflows_dir, "from-text");
}

TEST_F(ConfigTest, MissingFileIsNotFound) {
  ConfigSources sources = Sources();
  sources.file = (dir_ / "nope.yaml").string();
  EXPECT_EQ(LoadHostConfig(sources).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ConfigTest, InconsistentSettingsAreRefused) {
  ConfigSources sources = Sources();
  sources.flags = {{"tls-cert-file", "cert.pem"}, {"log-level", "loud"}, {"listen", "nowhere"}};
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("cert_file and key_file must be set together"));
  EXPECT_THAT(message, HasSubstr("log_level: expected debug, info, warning or error"));
  EXPECT_THAT(message, HasSubstr("listen: expected HOST:PORT"));
}

TEST_F(ConfigTest, TheHttpListenerIsOffByDefaultAndItsSettingsAreChecked) {
  absl::StatusOr<HostConfig> defaults = LoadHostConfig(Sources());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_FALSE(defaults->http_server.enabled());

  ConfigSources on = Sources();
  on.flags = {{"http-listen", "127.0.0.1:8080"}, {"http-server-request-timeout", "5s"}};
  absl::StatusOr<HostConfig> config = LoadHostConfig(on);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http_server.listen, "127.0.0.1:8080");
  EXPECT_EQ(config->http_server.request_timeout, absl::Seconds(5));

  ConfigSources bad = Sources();
  bad.flags = {{"http-listen", "8080"}, {"http-server-io-timeout", "10ms"}};
  absl::StatusOr<HostConfig> refused = LoadHostConfig(bad);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("http_server.listen: expected HOST:PORT"));
  EXPECT_THAT(refused.status().message(), HasSubstr("io_timeout must be at least 1s"));
}

TEST_F(ConfigTest, TheHttpListenersTlsSettingsComeFromFileEnvAndFlagsAndMustBeConsistent) {
  ConfigSources sources = Sources({{"FLOWHOST_HTTP_TLS_KEY_FILE", "env-key.pem"}});
  sources.file = Write("host.yaml", R"(http_server:
  listen: 127.0.0.1:8443
  tls:
    cert_file: file-cert.pem
    key_file: file-key.pem
    client_ca_file: file-ca.pem
)");
  sources.flags = {{"http-tls-client-ca-file", "flag-ca.pem"}};
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->http_server.tls.enabled());
  EXPECT_EQ(config->http_server.tls.cert_file, "file-cert.pem");
  EXPECT_EQ(config->http_server.tls.key_file, "env-key.pem");
  EXPECT_EQ(config->http_server.tls.client_ca_file, "flag-ca.pem");
  EXPECT_FALSE(config->tls.enabled());  // the gRPC listener's are apart

  ConfigSources bad = Sources();
  bad.flags = {{"http-tls-cert-file", "cert.pem"}, {"http-tls-client-ca-file", "ca.pem"}};
  absl::StatusOr<HostConfig> refused = LoadHostConfig(bad);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(refused.status().message());
  EXPECT_THAT(message, HasSubstr("http_server.tls: cert_file and key_file must be set together"));
  EXPECT_THAT(message, HasSubstr("http_server.tls: set, but there is no HTTP listener"));

  ConfigSources ca_alone = Sources();
  ca_alone.flags = {{"http-listen", "127.0.0.1:0"}, {"http-tls-client-ca-file", "ca.pem"}};
  refused = LoadHostConfig(ca_alone);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("http_server.tls.client_ca_file: needs http_server.tls.cert_file"));
}

TEST_F(ConfigTest, AnUpstreamCaFileIsTakenWhenReadableAndRefusedOtherwise) {
  ConfigSources readable = Sources();
  const std::string ca = Write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  readable.flags = {{"http-ca-file", ca}};
  absl::StatusOr<HostConfig> config = LoadHostConfig(readable);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.ca_file, ca);

  ConfigSources missing = Sources({{"FLOWHOST_HTTP_CA_FILE", (dir_ / "nope.pem").string()}});
  config = LoadHostConfig(missing);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("http.ca_file: cannot read"));
}

TEST_F(ConfigTest, TheRetryAfterCeilingIsFiveMinutesAndAtLeastASecond) {
  absl::StatusOr<HostConfig> config = LoadHostConfig(Sources());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.max_retry_after, absl::Minutes(5));

  config = LoadHostConfig(Sources({{"FLOWHOST_HTTP_MAX_RETRY_AFTER", "90s"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.max_retry_after, absl::Seconds(90));

  ConfigSources zero = Sources();
  zero.flags = {{"http-max-retry-after", "0s"}};
  config = LoadHostConfig(zero);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("http.max_retry_after: must be at least 1s, got 0"));
}

TEST_F(ConfigTest, ListsComeFromYamlSequencesOrCommaSeparatedText) {
  ConfigSources sources = Sources();
  sources.file = Write("list.yaml", "env_allowlist: [HOME, USER]\n");
  absl::StatusOr<HostConfig> from_file = LoadHostConfig(sources);
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_THAT(from_file->env_allowlist, ElementsAre("HOME", "USER"));

  sources.flags = {{"env-allowlist", "A, B ,C"}};
  absl::StatusOr<HostConfig> from_flag = LoadHostConfig(sources);
  ASSERT_TRUE(from_flag.ok()) << from_flag.status();
  EXPECT_THAT(from_flag->env_allowlist, ElementsAre("A", "B", "C"));
}

TEST_F(ConfigTest, PluginsComeFromTheFileTheColonSeparatedVariableOrRepeatedFlags) {
  ConfigSources sources = Sources();
  sources.file = Write("plugins.yaml", "plugins: [lib/a.so, /opt/b.so]\n");
  absl::StatusOr<HostConfig> from_file = LoadHostConfig(sources);
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_THAT(from_file->plugins, ElementsAre("lib/a.so", "/opt/b.so"));

  ConfigSources with_env = Sources({{"FLOWHOST_PLUGINS", "/env/c.so:d.so"}});
  with_env.file = sources.file;
  absl::StatusOr<HostConfig> from_env = LoadHostConfig(with_env);
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_THAT(from_env->plugins,
              ElementsAre("/env/c.so", "d.so"));  // the variable replaces the file's

  with_env.flags = {{"plugin", "/x/e.so"}, {"log-level", "debug"}, {"plugin", "f,g.so"}};
  absl::StatusOr<HostConfig> from_flags = LoadHostConfig(with_env);
  ASSERT_TRUE(from_flags.ok()) << from_flags.status();
  // The flags together replace the list; each names one file, commas and all.
  EXPECT_THAT(from_flags->plugins, ElementsAre("/x/e.so", "f,g.so"));

  with_env.flags = {{"plugin", ""}};
  absl::StatusOr<HostConfig> empty_flag = LoadHostConfig(with_env);
  ASSERT_FALSE(empty_flag.ok());
  EXPECT_THAT(std::string(empty_flag.status().message()),
              HasSubstr("flag --plugin: expected a value"));
}

TEST_F(ConfigTest, ConfigFlagsAreTakenOutOfTheArguments) {
  ConfigSources sources;
  absl::StatusOr<std::vector<std::string>> rest = ExtractConfigFlags(
      {"serve", "--listen", "127.0.0.1:0", "--config=host.yaml", "--verbose", "--workflows=dir"},
      sources);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_THAT(*rest, ElementsAre("serve", "--verbose"));
  EXPECT_EQ(sources.file, "host.yaml");
  EXPECT_THAT(sources.flags,
              ElementsAre(std::pair<std::string, std::string>("listen", "127.0.0.1:0"),
                          std::pair<std::string, std::string>("workflows", "dir")));
  ConfigSources plugin_sources;
  ASSERT_TRUE(ExtractConfigFlags({"--plugin", "a.so", "--plugin=b.so"}, plugin_sources).ok());
  EXPECT_THAT(plugin_sources.flags,
              ElementsAre(std::pair<std::string, std::string>("plugin", "a.so"),
                          std::pair<std::string, std::string>("plugin", "b.so")));
  EXPECT_EQ(ExtractConfigFlags({"--listen"}, sources).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ConfigTest, OpenRouterKeyComesFromTheEnvironmentAndIsHeldAsASecret) {
  absl::StatusOr<HostConfig> config = LoadHostConfig(Sources());
  ASSERT_TRUE(config.ok());
  config->credentials["openrouter"].attributes["http_referer"] = "https://example.test";
  auto store = ConfigCredentialStore::Create(
      *config, Sources({{"OPENROUTER_API_KEY", " sk-env \n"}}).getenv);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<sdk::Credential> credential = (*store)->Get("openrouter");
  ASSERT_TRUE(credential.ok()) << credential.status();
  EXPECT_EQ(credential->secret.reveal(), "sk-env");
  EXPECT_EQ(credential->attributes["base_url"], "https://openrouter.ai/api/v1");
  EXPECT_EQ(credential->attributes["http_referer"], "https://example.test");
  EXPECT_THAT(credential->attributes.dump(), Not(HasSubstr("sk-env")));
  EXPECT_EQ((*store)->Sources().at("openrouter"), "environment variable OPENROUTER_API_KEY");
}

TEST_F(ConfigTest, OpenRouterKeyFileWinsOverTheEnvironment) {
  absl::StatusOr<HostConfig> config = LoadHostConfig(Sources());
  ASSERT_TRUE(config.ok());
  config->credentials["openrouter"].from_file = Write("key.txt", "sk-from-file\n");
  auto store =
      ConfigCredentialStore::Create(*config, Sources({{"OPENROUTER_API_KEY", "sk-env"}}).getenv);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Get("openrouter")->secret.reveal(), "sk-from-file");
  EXPECT_THAT((*store)->Sources().at("openrouter"), Not(HasSubstr("sk-from-file")));
}

TEST_F(ConfigTest, MissingKeyFailsOnlyWhenUsedWithAuthFailedPrecondition) {
  absl::StatusOr<HostConfig> config = LoadHostConfig(Sources());
  ASSERT_TRUE(config.ok());
  auto store = ConfigCredentialStore::Create(*config, Sources().getenv);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<sdk::Credential> credential = (*store)->Get("openrouter");
  EXPECT_EQ(credential.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(credential.status().message()), HasSubstr("OPENROUTER_API_KEY"));
  EXPECT_EQ((*store)->Get("github").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ConfigTest, UnreadableKeyFileIsAStartUpError) {
  absl::StatusOr<HostConfig> config = LoadHostConfig(Sources());
  ASSERT_TRUE(config.ok());
  config->credentials["openrouter"].from_file = (dir_ / "missing.txt").string();
  EXPECT_EQ(ConfigCredentialStore::Create(*config, Sources().getenv).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ConfigTest, CallerTokensComeFromEnvironmentAndFile) {
  AuthConfig auth;
  auth.tokens_file = Write("tokens.txt", "# callers\ntoken-from-file\n\n");
  absl::StatusOr<std::vector<sdk::Secret>> tokens =
      LoadCallerTokens(auth, Sources({{"FLOWHOST_AUTH_TOKENS", "alpha, beta"}}).getenv);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  std::vector<std::string> values;
  for (const sdk::Secret& token : *tokens) values.push_back(token.reveal());
  EXPECT_THAT(values, ElementsAre("alpha", "beta", "token-from-file"));
}

TEST_F(ConfigTest, OnlyAllowlistedVariablesReachWorkflows) {
  HostConfig config;
  config.env_allowlist = {"REGION", "UNSET"};
  auto env = AllowlistedEnvironment(config, Sources({{"REGION", "eu"}, {"SECRET", "x"}}).getenv);
  EXPECT_EQ(env.size(), 1u);
  EXPECT_EQ(env["REGION"], "eu");
}

TEST_F(ConfigTest, DurationsAreWrittenAsInWorkflows) {
  ConfigSources sources = Sources({{"FLOWHOST_MAX_EXECUTION_TIME", "1d"}});
  sources.flags = {{"shutdown-grace-period", "0"}, {"http-connect-timeout", "2.5s"}};
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->limits.max_execution_time, absl::Hours(24));
  EXPECT_EQ(config->shutdown_grace_period, absl::ZeroDuration());
  EXPECT_EQ(config->http.connect_timeout, absl::Milliseconds(2500));

  sources.flags = {{"shutdown-grace-period", "30"}};
  EXPECT_THAT(std::string(LoadHostConfig(sources).status().message()),
              HasSubstr("flag --shutdown-grace-period: expected a duration such as \"250ms\", "
                        "\"30s\", \"1m30s\" or a number of seconds, got \"30\": every number "
                        "needs a unit"));
}

TEST_F(ConfigTest, AllowlistingTheVariableACredentialIsReadFromIsRefused) {
  ConfigSources sources = Sources();
  sources.flags = {{"env-allowlist", "REGION,OPENROUTER_API_KEY,FLOWHOST_AUTH_TOKENS"}};
  absl::StatusOr<HostConfig> config = LoadHostConfig(sources);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("env_allowlist: 'OPENROUTER_API_KEY' holds the secret of "
                                 "credential 'openrouter' (credentials.openrouter.from_env)"));
  EXPECT_THAT(message, HasSubstr("env_allowlist: 'FLOWHOST_AUTH_TOKENS' holds the callers' bearer "
                                 "tokens (auth.tokens_env)"));
  EXPECT_THAT(message, Not(HasSubstr("'REGION'")));

  // The variables named elsewhere count, not only the default names.
  sources.flags = {{"openrouter-api-key-env", "MY_KEY"}, {"env-allowlist", "MY_KEY"}};
  config = LoadHostConfig(sources);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("'MY_KEY' holds the secret of credential 'openrouter'"));
}

TEST(ConfigDocs, EverySettingIsDocumentedWithItsEnvironmentVariableAndFlag) {
  std::ifstream in(std::string(FLOWHOST_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  std::string docs = text.str();
  for (const Setting& setting : AllSettings()) {
    EXPECT_THAT(docs, HasSubstr("`" + std::string(setting.key) + "`"));
    if (!setting.env.empty()) {
      EXPECT_THAT(docs, HasSubstr("`" + std::string(setting.env) + "`"));
    }
    if (!setting.flag.empty()) {
      EXPECT_THAT(docs, HasSubstr("`--" + std::string(setting.flag) + "`"));
    }
  }
}

}  // namespace
}  // namespace flowhost::config
