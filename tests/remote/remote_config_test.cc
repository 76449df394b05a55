// `remote:` in the host configuration, and the Runtime that honours it: declared types read from
// their schema files and registered before workflows load, the worker listener started, and clear
// errors for a missing schema file or an unknown key.
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/json_logger.h"
#include "server/config/host_config.h"
#include "server/runtime/runtime.h"

namespace flowhost::remote {
namespace {

using ::testing::HasSubstr;

config::ConfigSources FromText(std::string text) {
  config::ConfigSources sources;
  sources.file = "host.yaml";
  sources.file_text = std::move(text);
  sources.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "TEST_WORKER_TOKEN") return "worker-token-3f9a61c2";
    return std::nullopt;
  };
  return sources;
}

TEST(RemoteConfig, TheRemoteSectionIsReadWithItsDeclaredTypes) {
  absl::StatusOr<config::HostConfig> config = config::LoadHostConfig(FromText(R"(
remote:
  listen: 127.0.0.1:0
  token_env: TEST_WORKER_TOKEN
  heartbeat_timeout: 2s
  worker_wait: 250ms
  types:
    textkit.chunk: {schema_file: )" PYTHON_EXAMPLES_DIR R"(/text_chunk.schema.json, description: Chunks text., outputs: [main, rest]}
)"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->remote.listen, "127.0.0.1:0");
  EXPECT_EQ(config->remote.heartbeat_timeout, absl::Seconds(2));
  EXPECT_EQ(config->remote.worker_wait, absl::Milliseconds(250));
  ASSERT_EQ(config->remote.types.count("textkit.chunk"), 1u);
  EXPECT_THAT(config->remote.types["textkit.chunk"].outputs, ::testing::ElementsAre("main", "rest"));

  runtime::RuntimeOptions options;
  options.config = *config;
  options.getenv = FromText("").getenv;
  options.log_sink = std::make_shared<common::FileLogSink>(stderr);
  options.worker_threads = 1;
  absl::StatusOr<std::unique_ptr<runtime::Runtime>> runtime =
      runtime::Runtime::Create(std::move(options));
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  EXPECT_GT((*runtime)->worker_port(), 0);
  std::shared_ptr<const sdk::NodeType> type = (*runtime)->registry().Find("textkit.chunk");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->info().description, "Chunks text.");
  EXPECT_EQ(type->info().outputs.size(), 2u);
  EXPECT_TRUE((*runtime)->scrubber().ContainsSecret("worker-token-3f9a61c2"));
}

TEST(RemoteConfig, AnUnknownKeyOrMissingSchemaFileIsNamed) {
  absl::StatusOr<config::HostConfig> config = config::LoadHostConfig(FromText(R"(
remote:
  types:
    textkit.chunk: {schema: x.json}
)"));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("host.yaml:4:21: remote.types.textkit.chunk.schema: unknown key"));
  EXPECT_THAT(config.status().message(), HasSubstr("set schema_file"));
}

TEST(RemoteConfig, ADeclaredTypeWhoseSchemaFileIsMissingStopsTheStartUp) {
  absl::StatusOr<config::HostConfig> config = config::LoadHostConfig(FromText(R"(
remote:
  listen: 127.0.0.1:0
  types:
    textkit.chunk: {schema_file: /nonexistent/chunk.json}
)"));
  ASSERT_TRUE(config.ok()) << config.status();
  runtime::RuntimeOptions options;
  options.config = *config;
  options.getenv = FromText("").getenv;
  absl::StatusOr<std::unique_ptr<runtime::Runtime>> runtime =
      runtime::Runtime::Create(std::move(options));
  EXPECT_EQ(runtime.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(runtime.status().message(),
              HasSubstr("remote.types.textkit.chunk: cannot read schema file '/nonexistent/chunk.json'"));
}

TEST(RemoteConfig, ManagedWorkersAreReadAndNeedAListener) {
  absl::StatusOr<config::HostConfig> config = config::LoadHostConfig(FromText(R"(
remote:
  managed:
    chunker-1: {command: [/usr/bin/python3, chunker.py, --credits, '4']}
)"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->remote.managed["chunker-1"].command,
              ::testing::ElementsAre("/usr/bin/python3", "chunker.py", "--credits", "4"));
  runtime::RuntimeOptions options;
  options.config = *config;
  options.getenv = FromText("").getenv;
  absl::StatusOr<std::unique_ptr<runtime::Runtime>> runtime =
      runtime::Runtime::Create(std::move(options));
  EXPECT_EQ(runtime.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(runtime.status().message(), HasSubstr("remote.managed"));
  EXPECT_THAT(runtime.status().message(), HasSubstr("remote.listen is empty"));

  config = config::LoadHostConfig(FromText(R"(
remote:
  managed:
    chunker-1: {command: python3}
    chunker-2: {cmd: [python3]}
)"));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("remote.managed.chunker-1.command: expected a list, [PROGRAM, ARG...]"));
  EXPECT_THAT(config.status().message(),
              HasSubstr("remote.managed.chunker-2.cmd: unknown key (a managed worker takes "
                        "command)"));
}

}  // namespace
}  // namespace flowhost::remote
