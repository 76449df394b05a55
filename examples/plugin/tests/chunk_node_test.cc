// The node type's description and its load-time checks, through the SDK's NodeConfig.
#include <string>
#include <vector>

#include "chunk_node.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace textkit {
namespace {

using flowhost::sdk::Json;
using ::testing::ElementsAre;

class FakeConfig : public flowhost::sdk::NodeConfig {
 public:
  explicit FakeConfig(Json params) : params_(std::move(params)) {}
  const std::string& name() const override { return name_; }
  const Json& params() const override { return params_; }
  bool IsDynamic(std::string_view pointer) const override { return pointer == dynamic; }
  void Error(std::string_view pointer, std::string_view message) override {
    errors.push_back(std::string(pointer) + ": " + std::string(message));
  }
  void Warning(std::string_view, std::string_view) override {}

  std::string dynamic;
  std::vector<std::string> errors;

 private:
  const std::string name_ = "chunk";
  Json params_;
};

Json Defaults() { return {{"field", "text"}, {"size", 1000}, {"overlap", 100}, {"keep_fields", true}}; }

TEST(ChunkNodeType, DescribesItselfWithDefaultsInItsSchema) {
  auto type = ChunkNodeType();
  EXPECT_EQ(type->info().type, "textkit.chunk");
  const Json& properties = type->info().parameter_schema["properties"];
  EXPECT_EQ(properties["size"]["default"], 1000);
  EXPECT_EQ(properties["overlap"]["default"], 100);
}

TEST(ChunkNodeType, RefusesAnOverlapNotSmallerThanTheSize) {
  Json params = Defaults();
  params["overlap"] = 1000;
  FakeConfig config(params);
  EXPECT_EQ(ChunkNodeType()->Create(config), nullptr);
  EXPECT_THAT(config.errors, ElementsAre("/overlap: must be less than size"));
}

TEST(ChunkNodeType, AComputedSizeIsCheckedPerItemInstead) {
  Json params = Defaults();
  params["size"] = "{{ $json.size }}";
  FakeConfig config(params);
  config.dynamic = "/size";
  EXPECT_NE(ChunkNodeType()->Create(config), nullptr);
  EXPECT_TRUE(config.errors.empty());
}

}  // namespace
}  // namespace textkit
