// The `store:` section of the host configuration, its checks (SQLite refuses replicas), and the
// store it opens.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/host_config.h"
#include "server/store/store_factory.h"
#include "tests/store/store_backends.h"

namespace flowhost::store::testing {
namespace {

using ::testing::HasSubstr;

config::ConfigSources NoEnvironment() {
  config::ConfigSources sources;
  sources.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  return sources;
}

TEST(StoreConfigTest, DefaultsAreSqliteInTheStateDirectoryWithN8nLikeRetention) {
  absl::StatusOr<config::HostConfig> host = config::LoadHostConfig(NoEnvironment());
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->store.backend, "sqlite");
  EXPECT_EQ(host->store.data_dir, "flowhost-data");
  EXPECT_EQ(host->store.save, "all");
  EXPECT_EQ(host->store.retention_max_age, absl::Hours(24 * 14));
  EXPECT_EQ(host->store.retention_max_count, 10'000);
  EXPECT_EQ(host->store.replicas, 1);
}

TEST(StoreConfigTest, TheDefaultDataDirectoryFollowsXdgStateHomeThenHome) {
  std::map<std::string, std::string> env = {{"HOME", "/home/ada"}};
  auto getenv = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(config::DefaultDataDir(getenv), "/home/ada/.local/state/flowhost");
  env["XDG_STATE_HOME"] = "/var/state";
  EXPECT_EQ(config::DefaultDataDir(getenv), "/var/state/flowhost");
  config::ConfigSources sources;
  sources.getenv = getenv;
  absl::StatusOr<config::HostConfig> host = config::LoadHostConfig(sources);
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->store.data_dir, "/var/state/flowhost");
}

TEST(StoreConfigTest, TheStoreSectionComesFromTheFileEnvironmentAndFlags) {
  std::filesystem::path file = std::filesystem::temp_directory_path() /
                               ("flowhost_store_config_" + std::to_string(getpid()));
  std::ofstream(file) << "store:\n  backend: postgres\n  url: postgresql:///flowhost\n"
                         "  retention:\n    max_age: 48h\n    max_count: 500\n  replicas: 3\n";
  config::ConfigSources sources = NoEnvironment();
  sources.file = file.string();
  sources.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "FLOWHOST_STORE_SAVE") return "failed";
    return std::nullopt;
  };
  sources.flags = {{"store-lease", "10s"}};
  absl::StatusOr<config::HostConfig> host = config::LoadHostConfig(sources);
  std::filesystem::remove(file);
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->store.backend, "postgres");
  EXPECT_EQ(host->store.url, "postgresql:///flowhost");
  EXPECT_EQ(host->store.retention_max_age, absl::Hours(48));
  EXPECT_EQ(host->store.retention_max_count, 500);
  EXPECT_EQ(host->store.save, "failed");
  EXPECT_EQ(host->store.lease, absl::Seconds(10));
  StoreOptions options = StoreOptionsFromConfig(host->store);
  EXPECT_EQ(options.default_save_policy, SavePolicy::kFailedOnly);
  EXPECT_EQ(options.retention_max_count, 500);
  EXPECT_EQ(options.lease, absl::Seconds(10));
}

TEST(StoreConfigTest, SqliteWithMoreThanOneReplicaIsRefusedSayingToUsePostgres) {
  config::ConfigSources sources = NoEnvironment();
  sources.flags = {{"store-replicas", "2"}};
  absl::StatusOr<config::HostConfig> host = config::LoadHostConfig(sources);
  ASSERT_EQ(host.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(host.status().message(), HasSubstr("store.replicas: 2 replicas cannot share the "
                                                 "sqlite store"));
  EXPECT_THAT(host.status().message(), HasSubstr("store.backend: postgres"));
}

TEST(StoreConfigTest, PostgresWithoutAUrlAndUnknownNamesAreRefused) {
  config::ConfigSources sources = NoEnvironment();
  sources.flags = {{"store", "postgres"}, {"store-save", "some"}};
  absl::StatusOr<config::HostConfig> host = config::LoadHostConfig(sources);
  ASSERT_EQ(host.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(host.status().message(), HasSubstr("store.url: the postgres store needs"));
  EXPECT_THAT(host.status().message(), HasSubstr("store.save: expected all, failed or none"));
  sources.flags = {{"store", "mysql"}};
  EXPECT_THAT(config::LoadHostConfig(sources).status().message(),
              HasSubstr("store.backend: expected sqlite, postgres or none, got 'mysql'"));
}

TEST(StoreFactoryTest, OpensTheSqliteStoreInTheDataDirectoryAndNothingForNone) {
  SqliteBackend place;
  ASSERT_TRUE(place.Prepare().ok());
  config::StoreConfig config;
  config.data_dir = place.dir();
  absl::StatusOr<ExecutionStorePtr> store = OpenConfiguredStore(config);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_NE(*store, nullptr);
  EXPECT_TRUE((*store)->Health().ok());
  store->reset();
  std::filesystem::remove_all(place.dir());

  config.backend = "none";
  absl::StatusOr<ExecutionStorePtr> none = OpenConfiguredStore(config);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
  config.backend = "sqlite";
  config.replicas = 4;
  EXPECT_EQ(OpenConfiguredStore(config).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StoreFactoryTest, OpensThePostgresStoreAtTheConfiguredUrl) {
  PostgresBackend place;
  ASSERT_TRUE(place.Prepare().ok());
  config::StoreConfig config;
  config.backend = "postgres";
  config.url = place.url();
  config.replicas = 2;
  absl::StatusOr<ExecutionStorePtr> store = OpenConfiguredStore(config);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_NE(*store, nullptr);
  EXPECT_TRUE((*store)->Health().ok());
}

}  // namespace
}  // namespace flowhost::store::testing
