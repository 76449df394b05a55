// openrouter.models against the in-memory HTTP double: normalised items, filters from parameters,
// one upstream call for many runs, cancellation while waiting, and load-time checks.
#include "nodes/openrouter/models_node.h"

#include <memory>
#include <string>
#include <vector>

#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/testing/fake_node_context.h"
#include "tests/nodes/testing/openrouter_replies.h"

namespace flowhost::nodes::openrouter {
namespace {

using node_testing::CatalogueEntry;
using node_testing::FakeNodeConfig;
using node_testing::FakeNodeContext;
using node_testing::FakeResponse;
using sdk::Json;
using ::testing::HasSubstr;

std::string Catalogue() {
  return node_testing::CatalogueBody({CatalogueEntry("a/small:free", "0", "0", 32000),
                                      CatalogueEntry("b/large:free", "0", "0", 1000000),
                                      CatalogueEntry("c/paid", "0.000002", "0.000008", 200000)});
}

class ModelsNodeTest : public ::testing::Test {
 protected:
  std::unique_ptr<sdk::Node> Create(Json params, std::vector<std::string> dynamic = {}) {
    FakeNodeConfig config(params, type_.info().parameter_schema, std::move(dynamic));
    std::unique_ptr<sdk::Node> node = type_.Create(config);
    errors_ = config.errors;
    return node;
  }

  void Prepare(FakeNodeContext& context, const Json& params) {
    context.SetCredential("openrouter", "sk-test", {{"base_url", "http://fake.test/api/v1"}});
    context.parameters().schema = type_.info().parameter_schema;
    context.parameters().common = params;
    context.SetInput({Json::object()});
  }

  std::shared_ptr<OpenRouterClient> client_ = std::make_shared<OpenRouterClient>();
  ModelsNodeType type_{client_};
  std::vector<std::string> errors_;
};

TEST_F(ModelsNodeTest, ListsTheFreeModelsLongestContextFirst) {
  Json params = {{"free", true}, {"sort", "context_length"}};
  auto node = Create(params);
  FakeNodeContext context;
  Prepare(context, params);
  context.fake_http().SetHandler(
      [](const sdk::HttpRequest&) { return FakeResponse::Json(200, Catalogue()); });
  absl::StatusOr<sdk::NodeResult> result = context.Run(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  const sdk::Items& models = result->outputs[0];
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0]["id"], "b/large:free");
  EXPECT_EQ(models[1]["id"], "a/small:free");
  EXPECT_EQ(models[0]["is_free"], true);
  EXPECT_EQ(models[0]["prompt_price_per_million"], 0.0);
  EXPECT_EQ(models[0]["context_length"], 1000000);
  EXPECT_EQ(context.fake_http().requests()[0].url, "http://fake.test/api/v1/models");
  EXPECT_EQ(sdk::FindHeader(context.fake_http().requests()[0].headers, "Authorization"),
            "Bearer sk-test");
}

TEST_F(ModelsNodeTest, ManyRunsShareOneUpstreamCall) {
  Json params = {{"max_prompt_price", 5}};
  auto node = Create(params);
  std::vector<std::unique_ptr<FakeNodeContext>> contexts;
  for (int i = 0; i < 20; ++i) {
    contexts.push_back(std::make_unique<FakeNodeContext>());
    Prepare(*contexts.back(), params);
    contexts.back()->Start(*node);
    contexts.back()->RunUntilDone();
  }
  // The first run's context asked; everybody waits on that one refresh.
  ASSERT_EQ(contexts[0]->fake_http().request_count(), 1u);
  for (int i = 1; i < 20; ++i) EXPECT_EQ(contexts[i]->fake_http().request_count(), 0u);
  contexts[0]->fake_http().Respond(0, FakeResponse::Json(200, Catalogue()));
  for (auto& context : contexts) {
    ASSERT_TRUE(context->RunUntilDone());
    absl::StatusOr<sdk::NodeResult> result = context->result();
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->outputs[0].size(), 3u);
  }
  EXPECT_EQ(client_->catalogue_fetches(), 1);
}

TEST_F(ModelsNodeTest, FinishesPromptlyWhenCancelledWhileTheCatalogueLoads) {
  auto node = Create(Json::object());
  FakeNodeContext context;
  Prepare(context, Json::object());
  context.Start(*node);
  context.manual_scheduler().RunUntilIdle();
  EXPECT_FALSE(context.finished());
  context.Cancel(absl::DeadlineExceededError("execution deadline"));
  ASSERT_TRUE(context.RunUntilDone());
  EXPECT_EQ(context.result().status().code(), absl::StatusCode::kDeadlineExceeded);
  // The refresh itself goes on for the others; answering it later is harmless.
  context.fake_http().Respond(0, FakeResponse::Json(200, Catalogue()));
  context.manual_scheduler().RunUntilIdle();
  EXPECT_EQ(context.done_calls(), 1);
}

TEST_F(ModelsNodeTest, ReportsAnUpstreamFailureClassified) {
  auto node = Create(Json::object());
  FakeNodeContext context;
  Prepare(context, Json::object());
  context.fake_http().SetHandler([](const sdk::HttpRequest&) {
    return FakeResponse::Json(503, node_testing::ErrorBody(503, "No available provider"));
  });
  absl::StatusOr<sdk::NodeResult> result = context.Run(*node);
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "upstream");
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("model listing"));
}

TEST_F(ModelsNodeTest, ChecksAConstantRegularExpressionAtLoad) {
  EXPECT_EQ(Create({{"id_regex", "(broken"}}), nullptr);
  EXPECT_THAT(errors_, ::testing::ElementsAre(HasSubstr("/id_regex")));
  EXPECT_EQ(Create({{"id_regex", "(broken"}, {"free", "{{ $json.free }}"}}, {"/free"}), nullptr);
  EXPECT_NE(Create({{"id_regex", "^a/"}, {"free", "{{ $json.free }}"}}, {"/free"}), nullptr);
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
