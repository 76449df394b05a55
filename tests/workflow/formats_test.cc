// The small formats of the workflow layer: diagnostics, JSON pointers and paths.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/workflow/diagnostic.h"
#include "server/workflow/json_pointer.h"

namespace flowhost::workflow {
namespace {

using sdk::Json;
using ::testing::HasSubstr;

TEST(Diagnostic, FormatsLikeACompiler) {
  Diagnostic error{Diagnostic::Severity::kError, {"w.yaml", 3, 7}, "nodes[0]", "bad"};
  EXPECT_EQ(error.ToString(), "w.yaml:3:7: error: bad");
  Diagnostic warning{Diagnostic::Severity::kWarning, {"w.yaml", 3, 0}, "", "hmm"};
  EXPECT_EQ(warning.ToString(), "w.yaml:3: warning: hmm");
  Diagnostic whole_file{Diagnostic::Severity::kError, {"w.yaml", 0, 0}, "", "too large"};
  EXPECT_EQ(whole_file.ToString(), "w.yaml: error: too large");
}

TEST(Diagnostic, FormatsAListSortedByPositionOneLineEach) {
  std::vector<Diagnostic> diagnostics = {
      {Diagnostic::Severity::kError, {"w.yaml", 9, 1}, "", "third"},
      {Diagnostic::Severity::kWarning, {"w.yaml", 2, 5}, "", "second"},
      {Diagnostic::Severity::kError, {"w.yaml", 2, 1}, "", "first"},
  };
  EXPECT_EQ(FormatDiagnostics(diagnostics),
            "w.yaml:2:1: error: first\nw.yaml:2:5: warning: second\nw.yaml:9:1: error: third\n");
  EXPECT_TRUE(HasErrors(diagnostics));
  diagnostics.erase(diagnostics.begin());
  diagnostics.erase(diagnostics.begin() + 1);
  EXPECT_FALSE(HasErrors(diagnostics));
  EXPECT_EQ(FormatDiagnostics({}), "");
}

TEST(JsonPointer, BuildsEscapesAndSplitsPointers) {
  EXPECT_EQ(ChildPointer("/a", "b/c~d"), "/a/b~1c~0d");
  EXPECT_EQ(ChildPointer("", 3), "/3");
  EXPECT_THAT(PointerTokens("/a/b~1c~0d/3"), ::testing::ElementsAre("a", "b/c~d", "3"));
  EXPECT_EQ(ParentPointer("/a/b"), "/a");
  EXPECT_EQ(ParentPointer("/a"), "");
  EXPECT_TRUE(PointerWithin("/a/b", "/a"));
  EXPECT_TRUE(PointerWithin("/a", "/a"));
  EXPECT_FALSE(PointerWithin("/ab", "/a"));
}

TEST(JsonPointer, RendersPathsForMessages) {
  Json root = Json::parse(R"({"nodes": [{"params": {"model": 1, "odd key": 2, "7": 3}}]})");
  EXPECT_EQ(PointerToPath(root, "/nodes/0/params/model"), "nodes[0].params.model");
  EXPECT_EQ(PointerToPath(root, "/nodes/0/params/odd key"), "nodes[0].params[\"odd key\"]");
  EXPECT_EQ(PointerToPath(root, "/nodes/0/params/7"), "nodes[0].params.7");
  EXPECT_EQ(PointerToPath(root, "/nodes/0/missing/2"), "nodes[0].missing[2]");
  EXPECT_EQ(PointerToPath(root, ""), "");
  EXPECT_EQ(*ResolvePointer(root, "/nodes/0/params/7"), 3);
  EXPECT_EQ(ResolvePointer(root, "/nodes/1"), nullptr);
  EXPECT_EQ(ResolvePointer(root, "/nodes/x"), nullptr);
}

}  // namespace
}  // namespace flowhost::workflow
