// Golden diagnostics: every tests/workflow/golden/NAME.yaml is loaded against the test node types
// and its diagnostics, formatted exactly as `flowhost validate` prints them, must equal
// NAME.expected (empty for a file that loads cleanly). Lines and columns are part of the
// comparison.
//
// A file may lower the loader's limits with a first line such as `# limits: max_nodes=3` or
// `# limits: max_file_bytes=200` (to show those diagnostics without huge files).
//
// To regenerate after an intended change, run the test with FLOWHOST_UPDATE_GOLDEN=1 and review the
// diff:  FLOWHOST_UPDATE_GOLDEN=1 ./build/<dir>/tests/workflow/workflow_golden_test
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "server/workflow/loader.h"
#include "tests/workflow/test_nodes.h"
#include "tests/source_dir.h"

namespace flowhost::workflow {
namespace {

namespace fs = std::filesystem;

fs::path GoldenDir() { return fs::path(FLOWHOST_SOURCE_DIR) / "tests/workflow/golden"; }

std::string ReadFile(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::stringstream buffer;
  buffer << stream.rdbuf();
  return buffer.str();
}

std::vector<std::string> GoldenNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(GoldenDir())) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

LoadLimits LimitsFor(const std::string& yaml) {
  LoadLimits limits;
  constexpr std::string_view kDirective = "# limits:";
  if (yaml.compare(0, kDirective.size(), kDirective) != 0) return limits;
  std::istringstream line(yaml.substr(kDirective.size(), yaml.find('\n') - kDirective.size()));
  std::string setting;
  while (line >> setting) {
    size_t equals = setting.find('=');
    std::string key = setting.substr(0, equals);
    size_t value = std::stoul(setting.substr(equals + 1));
    if (key == "max_nodes") limits.max_nodes = value;
    if (key == "max_file_bytes") limits.max_file_bytes = value;
  }
  return limits;
}

class GoldenDiagnostics : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenDiagnostics, MatchTheExpectedOutputExactly) {
  const std::string& name = GetParam();
  fs::path yaml_path = GoldenDir() / (name + ".yaml");
  fs::path expected_path = GoldenDir() / (name + ".expected");
  // The file is named relatively so that the expected output does not depend on the checkout.
  std::string yaml = ReadFile(yaml_path);
  LoadResult result = LoadWorkflow(name + ".yaml", yaml, testing::TestRegistry(), LimitsFor(yaml));
  std::string actual = FormatDiagnostics(result.diagnostics);
  if (std::getenv("FLOWHOST_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << expected_path;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " is missing";
  EXPECT_EQ(actual, ReadFile(expected_path)) << "for " << yaml_path;
  EXPECT_EQ(result.ok(), !HasErrors(result.diagnostics));
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenDiagnostics, ::testing::ValuesIn(GoldenNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(GoldenDiagnostics, CoverEveryErrorKindWithAtLeastOneFile) {
  EXPECT_GE(GoldenNames().size(), 30u);
}

}  // namespace
}  // namespace flowhost::workflow
