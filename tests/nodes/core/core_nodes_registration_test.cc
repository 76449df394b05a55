// The core family registers every type it promises, with schemas the registry accepts, exactly
// once.
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nodes/core/core_nodes.h"
#include "server/registry/node_type_registry.h"

namespace flowhost::nodes::core {
namespace {

TEST(CoreNodesRegistration, RegistersEveryCoreTypeWithAValidSchema) {
  registry::NodeTypeRegistry registry;
  ASSERT_TRUE(RegisterCoreNodes(registry).ok());
  std::set<std::string> names;
  for (const auto& type : registry.List()) {
    names.insert(type->info().type);
    EXPECT_FALSE(type->info().description.empty()) << type->info().type;
    EXPECT_EQ(type->info().parameter_schema.value("additionalProperties", true), false)
        << type->info().type << " must reject unknown parameters";
  }
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("set", "if", "switch", "merge", "filter",
                                                     "split_out", "aggregate", "wait", "fail",
                                                     "noop", "execute_workflow"));
}

TEST(CoreNodesRegistration, RegisteringTwiceFailsOnTheDuplicate) {
  registry::NodeTypeRegistry registry;
  ASSERT_TRUE(RegisterCoreNodes(registry).ok());
  absl::Status again = RegisterCoreNodes(registry);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
}

TEST(CoreNodesRegistration, EveryParameterHasADescription) {
  registry::NodeTypeRegistry registry;
  ASSERT_TRUE(RegisterCoreNodes(registry).ok());
  for (const auto& type : registry.List()) {
    const auto& properties = type->info().parameter_schema["properties"];
    for (const auto& [name, schema] : properties.items()) {
      EXPECT_TRUE(schema.contains("description")) << type->info().type << "." << name;
    }
  }
}

}  // namespace
}  // namespace flowhost::nodes::core
