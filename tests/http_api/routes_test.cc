// The HTTP paths of the API and the methods they reach (routes.h).
#include "server/http_api/routes.h"

#include "gtest/gtest.h"

namespace flowhost::http_api {
namespace {

TEST(HttpRoutes, RunAndStreamTakeTheWorkflowFromThePathDecoded) {
  Route run = MatchRoute(HttpMethod::kPost, "/v1/workflows/ask:run");
  ASSERT_EQ(run.outcome, Route::Outcome::kFound);
  EXPECT_EQ(run.method, Method::kRun);
  EXPECT_EQ(run.workflow, "ask");

  Route stream = MatchRoute(HttpMethod::kPost, "/v1/workflows/my%20flow:stream");
  ASSERT_EQ(stream.outcome, Route::Outcome::kFound);
  EXPECT_EQ(stream.method, Method::kStream);
  EXPECT_EQ(stream.workflow, "my flow");
}

TEST(HttpRoutes, CollectionVerbsNameNoWorkflow) {
  Route run = MatchRoute(HttpMethod::kPost, "/v1/workflows:run");
  ASSERT_EQ(run.outcome, Route::Outcome::kFound);
  EXPECT_EQ(run.method, Method::kRun);
  EXPECT_TRUE(run.workflow.empty());
  EXPECT_EQ(MatchRoute(HttpMethod::kPost, "/v1/workflows:validate").method, Method::kValidate);
  EXPECT_EQ(MatchRoute(HttpMethod::kPost, "/v1/workflows:stream").method, Method::kStream);
}

TEST(HttpRoutes, ReadsAreGets) {
  EXPECT_EQ(MatchRoute(HttpMethod::kGet, "/v1/workflows").method, Method::kListWorkflows);
  Route get = MatchRoute(HttpMethod::kGet, "/v1/workflows/ask");
  ASSERT_EQ(get.outcome, Route::Outcome::kFound);
  EXPECT_EQ(get.method, Method::kGetWorkflow);
  EXPECT_EQ(get.workflow, "ask");
  EXPECT_EQ(MatchRoute(HttpMethod::kGet, "/v1/nodeTypes").method, Method::kListNodeTypes);
}

TEST(HttpRoutes, AKnownPathWithTheWrongMethodSaysWhichItTakes) {
  Route post_list = MatchRoute(HttpMethod::kPost, "/v1/workflows");
  EXPECT_EQ(post_list.outcome, Route::Outcome::kWrongMethod);
  EXPECT_EQ(post_list.allow, "GET");
  Route get_run = MatchRoute(HttpMethod::kGet, "/v1/workflows/ask:run");
  EXPECT_EQ(get_run.outcome, Route::Outcome::kWrongMethod);
  EXPECT_EQ(get_run.allow, "POST");
  EXPECT_EQ(MatchRoute(HttpMethod::kOther, "/v1/nodeTypes").outcome,
            Route::Outcome::kWrongMethod);
}

TEST(HttpRoutes, UnknownPathsAndVerbsAreNotFound) {
  for (const char* path : {"/", "/v1", "/v2/workflows", "/v1/workflows/", "/v1/workflows/a/b",
                           "/v1/workflows/ask:delete", "/v1/workflows/:run",
                           "/v1/workflows/ask:validate", "/v1/workflowsx", "/v1/nodeTypes/x"}) {
    EXPECT_EQ(MatchRoute(HttpMethod::kPost, path).outcome, Route::Outcome::kUnknownPath) << path;
    EXPECT_EQ(MatchRoute(HttpMethod::kGet, path).outcome, Route::Outcome::kUnknownPath) << path;
  }
}

TEST(HttpRoutes, TheOpenAiPathsAreChatCompletionsAndModels) {
  Route chat = MatchRoute(HttpMethod::kPost, "/v1/chat/completions");
  ASSERT_EQ(chat.outcome, Route::Outcome::kFound);
  EXPECT_EQ(chat.method, Method::kChatCompletions);
  Route models = MatchRoute(HttpMethod::kGet, "/v1/models");
  ASSERT_EQ(models.outcome, Route::Outcome::kFound);
  EXPECT_EQ(models.method, Method::kListModels);
  Route model = MatchRoute(HttpMethod::kGet, "/v1/models/chat");
  ASSERT_EQ(model.outcome, Route::Outcome::kFound);
  EXPECT_EQ(model.method, Method::kGetModel);
  EXPECT_EQ(model.workflow, "chat");
  // An id keeps its slashes, whether the client encodes them or not.
  EXPECT_EQ(MatchRoute(HttpMethod::kGet, "/v1/models/anthropic/claude-fable-5").workflow,
            "anthropic/claude-fable-5");
  EXPECT_EQ(MatchRoute(HttpMethod::kGet, "/v1/models/anthropic%2Fclaude-fable-5").workflow,
            "anthropic/claude-fable-5");
  EXPECT_EQ(MatchRoute(HttpMethod::kGet, "/v1/models/").outcome, Route::Outcome::kUnknownPath);
  Route post_model = MatchRoute(HttpMethod::kPost, "/v1/models/chat");
  EXPECT_EQ(post_model.outcome, Route::Outcome::kWrongMethod);
  EXPECT_EQ(post_model.allow, "GET");
  EXPECT_TRUE(IsOpenAiMethod(post_model.method));

  // A wrong method still says which endpoint it was, so its error takes OpenAI's shape.
  Route get_chat = MatchRoute(HttpMethod::kGet, "/v1/chat/completions");
  EXPECT_EQ(get_chat.outcome, Route::Outcome::kWrongMethod);
  EXPECT_EQ(get_chat.allow, "POST");
  EXPECT_TRUE(IsOpenAiMethod(get_chat.method));
  EXPECT_FALSE(IsOpenAiMethod(MatchRoute(HttpMethod::kGet, "/v1/workflows").method));
}

TEST(HttpRoutes, EveryPathHasABoundedEndpointNameForMetrics) {
  EXPECT_EQ(EndpointName("/v1/workflows/ask:run", HttpMethod::kPost), "run");
  EXPECT_EQ(EndpointName("/v1/workflows/ask:stream", HttpMethod::kPost), "stream");
  EXPECT_EQ(EndpointName("/v1/workflows/ask", HttpMethod::kGet), "get_workflow");
  EXPECT_EQ(EndpointName("/v1/chat/completions", HttpMethod::kPost), "chat_completions");
  EXPECT_EQ(EndpointName("/v1/chat/completions", HttpMethod::kGet), "chat_completions");
  EXPECT_EQ(EndpointName("/v1/models", HttpMethod::kGet), "models");
  EXPECT_EQ(EndpointName("/v1/models/some/id", HttpMethod::kGet), "get_model");
  EXPECT_EQ(EndpointName("/metrics", HttpMethod::kGet), "metrics");
  EXPECT_EQ(EndpointName("/anything/else", HttpMethod::kGet), "unknown");
}

}  // namespace
}  // namespace flowhost::http_api
