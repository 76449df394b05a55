// The broken-input corpus (tests/corpus): every file must yield at least one error and never crash,
// whatever node types are registered. Then every truncation and a byte change at every position of
// a few valid seed workflows must load without crashing and with self-consistent diagnostics.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/workflow/loader.h"
#include "tests/workflow/test_nodes.h"
#include "tests/source_dir.h"

namespace flowhost::workflow {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::stringstream buffer;
  buffer << stream.rdbuf();
  return buffer.str();
}

std::vector<fs::path> CorpusFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(FLOWHOST_SOURCE_DIR) / "tests/corpus")) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Accepts any parameters, so that a corpus file cannot owe its errors to an unknown node type: the
// built-in nodes (`flowhost validate`) know `noop` and `set`.
class AnythingGoesType : public sdk::NodeType {
 public:
  explicit AnythingGoesType(std::string type) {
    info_.type = std::move(type);
    info_.parameter_schema = sdk::Json{{"type", "object"}};
  }
  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig&) const override {
    class Passthrough : public sdk::Node {
     public:
      void Execute(sdk::NodeContext&, sdk::NodeDone done) const override {
        done(sdk::NodeResult{});
      }
    };
    return std::make_unique<Passthrough>();
  }

 private:
  sdk::NodeTypeInfo info_;
};

const registry::NodeTypeRegistry& LenientRegistry() {
  static const registry::NodeTypeRegistry* registry = [] {
    auto* built = new registry::NodeTypeRegistry();
    for (const char* type : {"noop", "set"}) {
      if (!built->Register(std::make_shared<AnythingGoesType>(type)).ok()) std::abort();
    }
    return built;
  }();
  return *registry;
}

// What every load must satisfy, broken input or not.
void ExpectConsistent(const LoadResult& result, std::string_view text, const std::string& what) {
  EXPECT_EQ(result.ok(), !HasErrors(result.diagnostics)) << what;
  int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const Diagnostic& diagnostic : result.diagnostics) {
    EXPECT_FALSE(diagnostic.message.empty()) << what;
    EXPECT_GE(diagnostic.location.line, 0) << what;
    EXPECT_LE(diagnostic.location.line, lines) << what << ": " << diagnostic.ToString();
    if (diagnostic.location.line > 0) {
      EXPECT_GE(diagnostic.location.column, 1) << what;
    }
  }
}

TEST(Corpus, HoldsAtLeastFortyBrokenFiles) { EXPECT_GE(CorpusFiles().size(), 40u); }

TEST(Corpus, EveryFileYieldsErrorsWithTheTestNodeTypes) {
  for (const fs::path& path : CorpusFiles()) {
    std::string text = ReadFile(path);
    LoadResult result = LoadWorkflowFile(path.string(), testing::TestRegistry());
    EXPECT_TRUE(HasErrors(result.diagnostics)) << path;
    EXPECT_FALSE(result.ok()) << path;
    ExpectConsistent(result, text, path.string());
  }
}

TEST(Corpus, EveryFileYieldsErrorsEvenWhenItsNodeTypesExist) {
  for (const fs::path& path : CorpusFiles()) {
    LoadResult result = LoadWorkflowFile(path.string(), LenientRegistry());
    EXPECT_TRUE(HasErrors(result.diagnostics)) << path << " loads cleanly when noop exists";
  }
}

std::vector<std::string> Seeds() {
  fs::path golden = fs::path(FLOWHOST_SOURCE_DIR) / "tests/workflow/golden";
  return {ReadFile(golden / "valid-complex.yaml"), ReadFile(golden / "warnings.yaml"),
          ReadFile(golden / "x-node-ref.yaml")};
}

TEST(Corpus, EveryTruncationOfTheSeedsLoadsWithoutCrashing) {
  for (const std::string& seed : Seeds()) {
    for (size_t length = 0; length <= seed.size(); ++length) {
      std::string_view prefix(seed.data(), length);
      LoadResult result = LoadWorkflow("cut.yaml", prefix, testing::TestRegistry());
      ExpectConsistent(result, prefix, "prefix of " + std::to_string(length) + " bytes");
    }
  }
}

TEST(Corpus, AChangedByteAnywhereInTheSeedsLoadsWithoutCrashing) {
  // Bytes that mean something to YAML, to expressions, or to nobody.
  const std::string replacements = std::string("\0\t\n \"'{}[]:-&*!|>#%@`\\$()", 26) + "\x80\xff";
  for (const std::string& seed : Seeds()) {
    for (size_t at = 0; at < seed.size(); ++at) {
      std::string changed = seed;
      changed[at] = replacements[at % replacements.size()];
      LoadResult result = LoadWorkflow("flip.yaml", changed, testing::TestRegistry());
      ExpectConsistent(result, changed, "byte " + std::to_string(at) + " changed");
    }
  }
}

}  // namespace
}  // namespace flowhost::workflow
