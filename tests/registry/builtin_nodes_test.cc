#include "server/registry/builtin_nodes.h"

#include <set>

#include "flowhost/sdk/json_schema.h"
#include "flowhost/sdk/output_schema.h"
#include "gtest/gtest.h"

namespace flowhost::registry {
namespace {

TEST(BuiltinNodesTest, RegistersEveryExpectedTypeExactlyOnce) {
  NodeTypeRegistry registry;
  ASSERT_TRUE(RegisterBuiltinNodes(registry).ok());
  std::set<std::string> names;
  for (const auto& type : registry.List()) names.insert(type->info().type);
  EXPECT_EQ(names, (std::set<std::string>{"aggregate", "execute_workflow", "fail", "filter", "if",
                                          "merge", "noop", "openrouter.chat", "openrouter.models",
                                          "router.fallback", "set", "split_out", "switch",
                                          "wait"}));
}

TEST(BuiltinNodesTest, EveryTypeDescribesItselfWithAValidStrictSchema) {
  NodeTypeRegistry registry;
  ASSERT_TRUE(RegisterBuiltinNodes(registry).ok());
  for (const auto& type : registry.List()) {
    const sdk::NodeTypeInfo& info = type->info();
    EXPECT_FALSE(info.description.empty()) << info.type;
    EXPECT_TRUE(sdk::CheckSchema(info.parameter_schema).ok()) << info.type;
    EXPECT_EQ(info.parameter_schema.value("additionalProperties", true), false)
        << info.type << " accepts unknown parameters";
    EXPECT_TRUE(sdk::CheckOutputSchema(info.output_schema).ok()) << info.type;
  }
}

TEST(BuiltinNodesTest, RegisteringTwiceFailsOnTheDuplicate) {
  NodeTypeRegistry registry;
  ASSERT_TRUE(RegisterBuiltinNodes(registry).ok());
  absl::Status again = RegisterBuiltinNodes(registry);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
}

TEST(BuiltinNodesTest, SuggestsCloseTypeNames) {
  NodeTypeRegistry registry;
  ASSERT_TRUE(RegisterBuiltinNodes(registry).ok());
  std::vector<std::string> suggestions = registry.Suggest("openrouter.caht");
  ASSERT_FALSE(suggestions.empty());
  EXPECT_EQ(suggestions.front(), "openrouter.chat");
}

}  // namespace
}  // namespace flowhost::registry
