// The core family's helpers: dotted field paths and port names.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nodes/core/json_path.h"
#include "nodes/core/port_names.h"

namespace flowhost::nodes::core {
namespace {

using ::testing::ElementsAre;

TEST(JsonPath, SplitsAtDotsAndRejectsEmptySegments) {
  EXPECT_THAT(*SplitPath("a.b.c"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(*SplitPath("a.b", /*dotted=*/false), ElementsAre("a.b"));
  EXPECT_FALSE(SplitPath("").ok());
  EXPECT_FALSE(SplitPath("a..b").ok());
  EXPECT_FALSE(SplitPath(".a").ok());
  EXPECT_FALSE(SplitPath("a.").ok());
}

TEST(JsonPath, FindsValuesThroughObjectsAndArrayIndexes) {
  Json item = {{"a", {{"list", {10, 20}}}}};
  EXPECT_EQ(*FindPath(item, {"a", "list", "1"}), 20);
  EXPECT_EQ(FindPath(item, {"a", "list", "2"}), nullptr);
  EXPECT_EQ(FindPath(item, {"a", "missing"}), nullptr);
  EXPECT_EQ(FindPath(item, {"a", "list", "x"}), nullptr);
}

TEST(JsonPath, SetCreatesObjectsButNeverOverwritesAValueOnTheWay) {
  Json item = {{"a", 1}};
  EXPECT_TRUE(SetPath(item, {"b", "c"}, 2).ok());
  EXPECT_EQ(item, (Json{{"a", 1}, {"b", {{"c", 2}}}}));
  absl::Status status = SetPath(item, {"a", "x"}, 3);
  EXPECT_EQ(status.message(), "cannot set 'a.x': 'a' is integer, not an object");
  Json text = "plain";
  EXPECT_EQ(SetPath(text, {"a"}, 1).message(), "cannot set 'a': the item is string, not an object");
}

TEST(JsonPath, EraseRemovesOnlyThePathGiven) {
  Json item = {{"a", {{"b", 1}, {"c", 2}}}};
  ErasePath(item, {"a", "b"});
  ErasePath(item, {"x", "y"});
  EXPECT_EQ(item, (Json{{"a", {{"c", 2}}}}));
}

TEST(PortNames, AcceptsWordsAndRejectsWhatWiringCannotName) {
  EXPECT_EQ(PortNameProblem("urgent"), "");
  EXPECT_EQ(PortNameProblem("low-priority_2"), "");
  EXPECT_NE(PortNameProblem(""), "");
  EXPECT_NE(PortNameProblem("12"), "");
  EXPECT_NE(PortNameProblem("a:b"), "");
  EXPECT_NE(PortNameProblem("a b"), "");
  EXPECT_NE(PortNameProblem("error"), "");
}

}  // namespace
}  // namespace flowhost::nodes::core
