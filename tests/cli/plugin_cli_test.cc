// Plugins on the command line: `flowhost plugin check`, `--plugin` and FLOWHOST_PLUGINS on the
// verbs that load node types, and where `flowhost nodes` says each type comes from. The plugins
// are the plain-C ones of tests/plugins.
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/cli/run_binary.h"
#include "tests/plugins/host_abi.h"

namespace flowhost::testing {
namespace {

using ::flowhost::plugin_testing::HostAbi;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

const std::string kGoodPlugin = FH_TEST_PLUGIN_C_MINIMAL_PLUGIN;
const std::string kMajor99Plugin = FH_TEST_PLUGIN_ABI_MAJOR_99_PLUGIN;

// A workflow whose second node is the plugin's type.
std::string EchoWorkflow() {
  fs::path dir = fs::path(::testing::TempDir()) / "flowhost_plugin_cli_test";
  fs::create_directories(dir);
  fs::path path = dir / "echo.yaml";
  std::ofstream(path) << R"(name: echo-through-plugin
inputs:
  word: {type: string, default: hello}
nodes:
  - name: make
    type: set
    params: {values: {word: "{{ $inputs.word }}"}}
    next: echo
  - name: echo
    type: test.c_echo
output: echo
)";
  return path.string();
}

TEST(PluginCliTest, CheckOfAGoodLibraryPrintsItsNameVersionAbiAndNodeTypes) {
  BinaryResult r = RunBinary({FlowhostBinary(), "plugin", "check", kGoodPlugin});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, AllOf(HasSubstr(kGoodPlugin + ": ok"), HasSubstr("plugin: c_minimal 1.0.0"),
                           HasSubstr("ABI: " + HostAbi() + " (this host: " + HostAbi() + ")"), HasSubstr("node types (1):"),
                           HasSubstr("test.c_echo (v1) - Passes its input items through")));
}

TEST(PluginCliTest, CheckOfABadLibraryExitsTwoWithTheReasonNamingTheFile) {
  BinaryResult r = RunBinary({FlowhostBinary(), "plugin", "check", kMajor99Plugin});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("flowhost plugin check: " + kMajor99Plugin +
                               ": built for flowhost plugin ABI 99.0, but this host speaks ABI " +
                               HostAbi()));

  BinaryResult missing = RunBinary({FlowhostBinary(), "plugin", "check", "/nonexistent/x.so"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/x.so: no such file"));

  BinaryResult usage = RunBinary({FlowhostBinary(), "plugin", "inspect", kGoodPlugin});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.err, HasSubstr("usage: flowhost plugin check FILE"));
}

TEST(PluginCliTest, NodesSaysEveryBuiltInTypeIsBuiltIn) {
  BinaryResult text = RunBinary({FlowhostBinary(), "nodes"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("noop (v1) [built in]"));
  BinaryResult json = RunBinary({FlowhostBinary(), "nodes", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  for (const auto& type : nlohmann::json::parse(json.out)) {
    EXPECT_EQ(type["origin"], "built in") << type["type"];
    EXPECT_TRUE(type["plugin"].is_null()) << type["type"];
  }
}

TEST(PluginCliTest, NodesShowsAPluginsTypesWithTheirOrigin) {
  BinaryResult text = RunBinary({FlowhostBinary(), "nodes", "--plugin", kGoodPlugin});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out,
              HasSubstr("test.c_echo (v1) [plugin " + kGoodPlugin + " (c_minimal 1.0.0)]"));
  EXPECT_THAT(text.out, HasSubstr("noop (v1) [built in]"));

  BinaryResult json =
      RunBinary({FlowhostBinary(), "nodes", "--json"}, {{"FLOWHOST_PLUGINS", kGoodPlugin}});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  bool found = false;
  for (const auto& type : nlohmann::json::parse(json.out)) {
    if (type["type"] != "test.c_echo") continue;
    found = true;
    EXPECT_EQ(type["plugin"],
              (nlohmann::json{{"file", kGoodPlugin}, {"name", "c_minimal"}, {"version", "1.0.0"}}));
  }
  EXPECT_TRUE(found) << json.out;
}

TEST(PluginCliTest, ValidateAndRunUseTheConfiguredPlugins) {
  std::string workflow = EchoWorkflow();
  BinaryResult without = RunBinary({FlowhostBinary(), "validate", workflow});
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_THAT(without.err, HasSubstr("test.c_echo"));

  BinaryResult validated =
      RunBinary({FlowhostBinary(), "validate", workflow, "--plugin", kGoodPlugin});
  EXPECT_EQ(validated.exit_code, 0) << validated.err;

  BinaryResult run = RunBinary({FlowhostBinary(), "run", workflow, "--input", R"({"word": "hi"})"},
                               {{"FLOWHOST_PLUGINS", kGoodPlugin}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json items = nlohmann::json::parse(run.out);
  ASSERT_EQ(items.size(), 1u) << run.out;
  EXPECT_EQ(items[0]["word"], "hi");
}

TEST(PluginCliTest, APluginThatCannotLoadStopsEveryVerbWithExitTwo) {
  std::string workflow = EchoWorkflow();
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {FlowhostBinary(), "validate", workflow, "--plugin", kMajor99Plugin},
           {FlowhostBinary(), "run", workflow, "--plugin", kMajor99Plugin},
           {FlowhostBinary(), "nodes", "--plugin", kMajor99Plugin},
           {FlowhostBinary(), "serve", "--listen", "127.0.0.1:0", "--store", "none", "--plugin",
            kMajor99Plugin}}) {
    BinaryResult r = RunBinary(argv);
    EXPECT_EQ(r.exit_code, 2) << argv[1] << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(kMajor99Plugin + ": built for flowhost plugin ABI 99.0"))
        << argv[1];
    EXPECT_THAT(r.out, Not(HasSubstr("LISTENING"))) << argv[1];
  }
  BinaryResult from_env =
      RunBinary({FlowhostBinary(), "nodes"}, {{"FLOWHOST_PLUGINS", "/nonexistent/a.so"}});
  EXPECT_EQ(from_env.exit_code, 2);
  EXPECT_THAT(from_env.err, HasSubstr("flowhost nodes: /nonexistent/a.so: no such file"));
}

}  // namespace
}  // namespace flowhost::testing
