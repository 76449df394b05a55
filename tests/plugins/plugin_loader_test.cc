// LoadPlugin on real libraries (the plain-C plugins beside this file): every way a file can be
// refused gives a clear error that starts with its path, and a good plugin's types are registered
// with their origin.
#include "server/plugins/plugin_loader.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/registry/builtin_nodes.h"
#include "tests/plugins/host_abi.h"

namespace flowhost::plugins {
namespace {

using ::flowhost::plugin_testing::HostAbi;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class PluginLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(registry::RegisterBuiltinNodes(registry_).ok()); }

  // Loads `path` and returns its error message (failing the test when it loads).
  std::string ErrorLoading(const std::string& path) {
    absl::StatusOr<LoadedPlugin> plugin = LoadPlugin(path, registry_);
    EXPECT_FALSE(plugin.ok()) << path << " loaded";
    return std::string(plugin.status().message());
  }

  registry::NodeTypeRegistry registry_;
};

TEST_F(PluginLoaderTest, AMissingFileIsNotFound) {
  std::string path = ::testing::TempDir() + "/no_such_plugin.so";
  absl::StatusOr<LoadedPlugin> plugin = LoadPlugin(path, registry_);
  EXPECT_EQ(plugin.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(plugin.status().message(), path + ": no such file");
}

TEST_F(PluginLoaderTest, ATextFileIsNotAPlugin) {
  std::string path = ::testing::TempDir() + "/plugin_loader_test_text.so";
  std::ofstream(path) << "this is not a shared library\n";
  absl::StatusOr<LoadedPlugin> plugin = LoadPlugin(path, registry_);
  EXPECT_EQ(plugin.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(plugin.status().message(),
            path + ": not a flowhost plugin: it is not a shared library");
  std::filesystem::remove(path);
}

TEST_F(PluginLoaderTest, ADirectoryIsNotAPlugin) {
  EXPECT_EQ(ErrorLoading(::testing::TempDir()),
            ::testing::TempDir() + ": not a flowhost plugin: it is a directory");
}

TEST_F(PluginLoaderTest, ALibraryWithoutTheHandshakeIsNotAPlugin) {
  EXPECT_EQ(ErrorLoading(FH_TEST_PLUGIN_NOT_A_PLUGIN),
            std::string(FH_TEST_PLUGIN_NOT_A_PLUGIN) +
                ": not a flowhost plugin: it does not export flowhost_plugin_handshake (see "
                "docs/plugins.md)");
}

TEST_F(PluginLoaderTest, AnotherAbiMajorIsRefusedNamingBothVersions) {
  EXPECT_THAT(ErrorLoading(FH_TEST_PLUGIN_ABI_MAJOR_99_PLUGIN),
              AllOf(StartsWith(std::string(FH_TEST_PLUGIN_ABI_MAJOR_99_PLUGIN) + ": "),
                    HasSubstr("built for flowhost plugin ABI 99.0, but this host speaks ABI " + HostAbi())));
}

TEST_F(PluginLoaderTest, ANewerAbiMinorIsRefused) {
  EXPECT_THAT(ErrorLoading(FH_TEST_PLUGIN_ABI_MINOR_99_PLUGIN),
              AllOf(StartsWith(std::string(FH_TEST_PLUGIN_ABI_MINOR_99_PLUGIN) + ": "),
                    HasSubstr("ABI 1.99, newer than this host's ABI " + HostAbi())));
}

TEST_F(PluginLoaderTest, AnotherFingerprintIsRefusedNamingBoth) {
  EXPECT_THAT(
      ErrorLoading(FH_TEST_PLUGIN_BAD_FINGERPRINT_PLUGIN),
      AllOf(StartsWith(std::string(FH_TEST_PLUGIN_BAD_FINGERPRINT_PLUGIN) + ": refused"),
            HasSubstr("'flowhost-c-abi:another-platform'"), HasSubstr(FLOWHOST_ABI_FINGERPRINT)));
}

TEST_F(PluginLoaderTest, AHandshakeStructTooSmallIsRefused) {
  EXPECT_THAT(ErrorLoading(FH_TEST_PLUGIN_SMALL_STRUCT_PLUGIN),
              AllOf(StartsWith(std::string(FH_TEST_PLUGIN_SMALL_STRUCT_PLUGIN) + ": "),
                    HasSubstr("struct_size is 16 bytes, smaller than")));
}

TEST_F(PluginLoaderTest, AFailedInitialisationGivesThePluginsOwnMessage) {
  EXPECT_THAT(ErrorLoading(FH_TEST_PLUGIN_INIT_FAILS_PLUGIN),
              AllOf(StartsWith(std::string(FH_TEST_PLUGIN_INIT_FAILS_PLUGIN) +
                               ": plugin refused 0.1.0: its initialisation failed: "),
                    HasSubstr("the licence file /etc/textkit.lic is missing")));
}

TEST_F(PluginLoaderTest, ATypeClashingWithABuiltInOneNamesBothOrigins) {
  EXPECT_THAT(
      ErrorLoading(FH_TEST_PLUGIN_DUPLICATE_NOOP_PLUGIN),
      AllOf(StartsWith(std::string(FH_TEST_PLUGIN_DUPLICATE_NOOP_PLUGIN) + ": "),
            HasSubstr("node type 'noop'"), HasSubstr("c_minimal 1.0.0"), HasSubstr("built in")));
}

TEST_F(PluginLoaderTest, AGoodPluginRegistersItsTypesWithTheirOrigin) {
  absl::StatusOr<LoadedPlugin> plugin = LoadPlugin(FH_TEST_PLUGIN_C_MINIMAL_PLUGIN, registry_);
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  EXPECT_EQ(plugin->name, "c_minimal");
  EXPECT_EQ(plugin->version, "1.0.0");
  EXPECT_EQ(plugin->abi_major, 1u);
  EXPECT_THAT(plugin->node_types, ElementsAre("test.c_echo"));
  const registry::NodeOrigin* origin = registry_.OriginOf("test.c_echo");
  ASSERT_NE(origin, nullptr);
  EXPECT_EQ(origin->plugin_file, FH_TEST_PLUGIN_C_MINIMAL_PLUGIN);
  EXPECT_EQ(origin->Describe(),
            std::string("plugin ") + FH_TEST_PLUGIN_C_MINIMAL_PLUGIN + " (c_minimal 1.0.0)");
  EXPECT_TRUE(registry_.OriginOf("noop")->builtin());
}

TEST_F(PluginLoaderTest, APluginOfAnOlderMinorVersionLoads) {
  absl::StatusOr<LoadedPlugin> plugin = LoadPlugin(FH_TEST_PLUGIN_ABI_MINOR_0_PLUGIN, registry_);
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  EXPECT_EQ(plugin->abi_minor, 0u);
  EXPECT_THAT(plugin->node_types, ElementsAre("test.c_echo_1_0"));
}

TEST_F(PluginLoaderTest, TheSamePluginListedTwiceIsRefusedNotInitialisedTwice) {
  std::filesystem::path file(FH_TEST_PLUGIN_C_MINIMAL_PLUGIN);
  std::string other_spelling = (file.parent_path() / "." / file.filename()).string();
  absl::StatusOr<std::vector<LoadedPlugin>> loaded =
      LoadPlugins({FH_TEST_PLUGIN_C_MINIMAL_PLUGIN, other_spelling}, registry_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            other_spelling + ": this plugin is already listed (plugins are loaded once)");
}

TEST_F(PluginLoaderTest, LoadPluginsStopsAtTheFirstError) {
  absl::StatusOr<std::vector<LoadedPlugin>> loaded =
      LoadPlugins({FH_TEST_PLUGIN_NOT_A_PLUGIN, FH_TEST_PLUGIN_C_MINIMAL_PLUGIN}, registry_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), StartsWith(FH_TEST_PLUGIN_NOT_A_PLUGIN));
  EXPECT_EQ(registry_.Find("test.c_echo"), nullptr);
}

}  // namespace
}  // namespace flowhost::plugins
