// Output shapes checked at load, against the real built-in node types:
//   * every tests/workflow/fields/NAME.yaml loads with exactly the diagnostics in NAME.expected
//     (lines and columns included), and each file but open-shapes.yaml warns about at least one
//     field no upstream node outputs;
//   * the example workflows (workflows/, examples/) and every workflow in the docs' YAML examples
//     raise no such warning.
//
// Regenerate the expected files after an intended change with FLOWHOST_UPDATE_GOLDEN=1 and review
// the diff.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/workflow/loader.h"
#include "tests/source_dir.h"
#include "tests/workflow/builtin_registry.h"

namespace flowhost::workflow {
namespace {

namespace fs = std::filesystem;

fs::path SourceDir() { return fs::path(FLOWHOST_SOURCE_DIR); }

std::string ReadFile(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::stringstream buffer;
  buffer << stream.rdbuf();
  return buffer.str();
}

using ::flowhost::workflow_testing::BuiltinRegistry;

bool IsFieldWarning(const Diagnostic& diagnostic) {
  return diagnostic.severity == Diagnostic::Severity::kWarning &&
         (diagnostic.message.find("does not output a field") != std::string::npos ||
          diagnostic.message.find("no node upstream outputs a field") != std::string::npos);
}

std::vector<std::string> FieldWarnings(const LoadResult& result) {
  std::vector<std::string> out;
  for (const Diagnostic& diagnostic : result.diagnostics) {
    if (IsFieldWarning(diagnostic)) out.push_back(FormatDiagnostics({diagnostic}));
  }
  return out;
}

std::vector<std::string> CorpusNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(SourceDir() / "tests/workflow/fields")) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class FieldCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(FieldCorpus, WarnsAtTheLineAndColumnOfEveryFieldNoUpstreamNodeOutputs) {
  const std::string& name = GetParam();
  fs::path dir = SourceDir() / "tests/workflow/fields";
  fs::path expected_path = dir / (name + ".expected");
  LoadResult result =
      LoadWorkflow(name + ".yaml", ReadFile(dir / (name + ".yaml")), BuiltinRegistry());
  std::string actual = FormatDiagnostics(result.diagnostics);
  if (std::getenv("FLOWHOST_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << expected_path;
  }
  EXPECT_TRUE(result.ok()) << actual;
  EXPECT_EQ(actual, ReadFile(expected_path)) << "for " << name;
  if (name == "open-shapes") {
    EXPECT_TRUE(FieldWarnings(result).empty()) << actual;
  } else {
    EXPECT_FALSE(FieldWarnings(result).empty())
        << name << " is in the corpus but warns about nothing";
  }
}

INSTANTIATE_TEST_SUITE_P(Fields, FieldCorpus, ::testing::ValuesIn(CorpusNames()),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// The YAML blocks of a Markdown file that are workflows: whole ones (with `nodes:` at the top
// level), and lists of nodes (starting with `- name:`), wrapped into a workflow.
std::vector<std::string> WorkflowBlocks(const std::string& markdown) {
  std::vector<std::string> blocks;
  std::istringstream lines(markdown);
  std::string line;
  std::string block;
  bool inside = false;
  while (std::getline(lines, line)) {
    if (!inside && line.rfind("```yaml", 0) == 0) {
      inside = true;
      block.clear();
    } else if (inside && line.rfind("```", 0) == 0) {
      inside = false;
      if (block.find("\nnodes:") != std::string::npos || block.rfind("nodes:", 0) == 0) {
        blocks.push_back(block);
      } else if (block.rfind("- name:", 0) == 0) {
        std::string wrapped = "name: docs-example\nnodes:\n";
        std::istringstream block_lines(block);
        std::string block_line;
        while (std::getline(block_lines, block_line)) wrapped += "  " + block_line + "\n";
        blocks.push_back(wrapped);
      }
    } else if (inside) {
      block += line + "\n";
    }
  }
  return blocks;
}

TEST(FieldChecks, TheExampleWorkflowsReadOnlyFieldsTheirUpstreamNodesOutput) {
  int checked = 0;
  for (const char* dir : {"workflows", "examples"}) {
    for (const auto& entry : fs::recursive_directory_iterator(SourceDir() / dir)) {
      if (entry.path().extension() != ".yaml") continue;
      LoadResult result = LoadWorkflowFile(entry.path().string(), BuiltinRegistry());
      EXPECT_EQ(FieldWarnings(result), std::vector<std::string>{}) << entry.path();
      ++checked;
    }
  }
  EXPECT_GE(checked, 8);
}

TEST(FieldChecks, TheDocsWorkflowExamplesReadOnlyFieldsTheirUpstreamNodesOutput) {
  int checked = 0;
  std::vector<fs::path> pages = {SourceDir() / "README.md"};
  for (const auto& entry : fs::directory_iterator(SourceDir() / "docs"))
    pages.push_back(entry.path());
  for (const fs::path& page : pages) {
    if (page.extension() != ".md") continue;
    std::vector<std::string> blocks = WorkflowBlocks(ReadFile(page));
    for (size_t i = 0; i < blocks.size(); ++i) {
      std::string file = page.filename().string() + " example " + std::to_string(i + 1);
      LoadResult result = LoadWorkflow(file, blocks[i], BuiltinRegistry());
      EXPECT_EQ(FieldWarnings(result), std::vector<std::string>{}) << blocks[i];
      ++checked;
    }
  }
  EXPECT_GE(checked, 10);
}

TEST(FieldChecks, TheDocsHeadlineExampleLoadsWithoutWarnings) {
  std::vector<std::string> blocks = WorkflowBlocks(ReadFile(SourceDir() / "docs/workflows.md"));
  ASSERT_FALSE(blocks.empty());
  LoadResult result = LoadWorkflow("workflows.md", blocks.front(), BuiltinRegistry());
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(FormatDiagnostics(result.diagnostics), "");
}

}  // namespace
}  // namespace flowhost::workflow
