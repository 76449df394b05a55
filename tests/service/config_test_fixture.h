// A test fixture for the host configuration's tests: a scratch directory for one test (removed
// afterwards), files written into it, and ConfigSources whose environment is a map the test sets.
// Used from the test's thread only.
#ifndef FLOWHOST_TESTS_SERVICE_CONFIG_TEST_FIXTURE_H_
#define FLOWHOST_TESTS_SERVICE_CONFIG_TEST_FIXTURE_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "server/config/host_config.h"

namespace flowhost::config::testing {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("flowhost_config_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `text` to `name` in the scratch directory; returns its path.
  std::string Write(const std::string& name, const std::string& text) {
    std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  // Reads the environment from `env_`.
  GetEnvFunction Getenv() {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }

  // Sources reading `env` instead of the process environment.
  ConfigSources Sources(std::map<std::string, std::string> env = {}) {
    env_ = std::move(env);
    ConfigSources sources;
    sources.getenv = Getenv();
    return sources;
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

}  // namespace flowhost::config::testing

#endif  // FLOWHOST_TESTS_SERVICE_CONFIG_TEST_FIXTURE_H_
