// The HTTP paths of the API and the methods they reach (routes.h).
#include "server/http_api/routes.h"

#include <variant>

#include "gtest/gtest.h"
#include "server/http_api/call_request.h"

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

TEST(HttpRoutes, StartTakesTheWorkflowFromThePathOrTheBody) {
  Route named = MatchRoute(HttpMethod::kPost, "/v1/workflows/ask:start");
  ASSERT_EQ(named.outcome, Route::Outcome::kFound);
  EXPECT_EQ(named.method, Method::kStart);
  EXPECT_EQ(named.workflow, "ask");
  Route collection = MatchRoute(HttpMethod::kPost, "/v1/workflows:start");
  ASSERT_EQ(collection.outcome, Route::Outcome::kFound);
  EXPECT_EQ(collection.method, Method::kStart);
  EXPECT_TRUE(collection.workflow.empty());
  EXPECT_EQ(MatchRoute(HttpMethod::kGet, "/v1/workflows/ask:start").allow, "POST");
}

TEST(HttpRoutes, ExecutionsAreACollectionWithVerbsOnEachOne) {
  Route list = MatchRoute(HttpMethod::kGet, "/v1/executions");
  ASSERT_EQ(list.outcome, Route::Outcome::kFound);
  EXPECT_EQ(list.method, Method::kListExecutions);
  Route get = MatchRoute(HttpMethod::kGet, "/v1/executions/ex-1a2b");
  ASSERT_EQ(get.outcome, Route::Outcome::kFound);
  EXPECT_EQ(get.method, Method::kGetExecution);
  EXPECT_EQ(get.execution_id, "ex-1a2b");
  struct Verb {
    const char* path;
    HttpMethod takes;
    Method method;
  };
  for (const Verb& verb : {Verb{"/v1/executions/ex-1a2b:cancel", HttpMethod::kPost,
                                Method::kCancelExecution},
                           Verb{"/v1/executions/ex-1a2b:retry", HttpMethod::kPost,
                                Method::kRetryExecution},
                           Verb{"/v1/executions/ex%2D1a2b:watch", HttpMethod::kGet,
                                Method::kWatchExecution}}) {
    Route route = MatchRoute(verb.takes, verb.path);
    ASSERT_EQ(route.outcome, Route::Outcome::kFound) << verb.path;
    EXPECT_EQ(route.method, verb.method) << verb.path;
    EXPECT_EQ(route.execution_id, "ex-1a2b") << verb.path;  // percent-decoded
    HttpMethod other = verb.takes == HttpMethod::kGet ? HttpMethod::kPost : HttpMethod::kGet;
    Route wrong = MatchRoute(other, verb.path);
    EXPECT_EQ(wrong.outcome, Route::Outcome::kWrongMethod) << verb.path;
    EXPECT_EQ(wrong.allow, verb.takes == HttpMethod::kGet ? "GET" : "POST") << verb.path;
  }
  EXPECT_EQ(MatchRoute(HttpMethod::kPost, "/v1/executions").allow, "GET");
  for (const char* path : {"/v1/executions/", "/v1/executions/a/b", "/v1/executions/:cancel",
                           "/v1/executions/ex-1:delete", "/v1/executionsx"}) {
    EXPECT_EQ(MatchRoute(HttpMethod::kPost, path).outcome, Route::Outcome::kUnknownPath) << path;
    EXPECT_EQ(MatchRoute(HttpMethod::kGet, path).outcome, Route::Outcome::kUnknownPath) << path;
  }
}

TEST(HttpRoutes, EveryPathHasABoundedEndpointNameForMetrics) {
  EXPECT_EQ(EndpointName("/v1/workflows/ask:run", HttpMethod::kPost), "run");
  EXPECT_EQ(EndpointName("/v1/workflows/ask:stream", HttpMethod::kPost), "stream");
  EXPECT_EQ(EndpointName("/v1/workflows/ask", HttpMethod::kGet), "get_workflow");
  EXPECT_EQ(EndpointName("/v1/chat/completions", HttpMethod::kPost), "chat_completions");
  EXPECT_EQ(EndpointName("/v1/chat/completions", HttpMethod::kGet), "chat_completions");
  EXPECT_EQ(EndpointName("/v1/models", HttpMethod::kGet), "models");
  EXPECT_EQ(EndpointName("/v1/models/some/id", HttpMethod::kGet), "get_model");
  EXPECT_EQ(EndpointName("/v1/workflows/ask:start", HttpMethod::kPost), "start");
  EXPECT_EQ(EndpointName("/v1/executions", HttpMethod::kGet), "list_executions");
  EXPECT_EQ(EndpointName("/v1/executions/ex-1", HttpMethod::kGet), "get_execution");
  EXPECT_EQ(EndpointName("/v1/executions/ex-1:cancel", HttpMethod::kPost), "cancel_execution");
  EXPECT_EQ(EndpointName("/v1/executions/ex-1:retry", HttpMethod::kPost), "retry_execution");
  EXPECT_EQ(EndpointName("/v1/executions/ex-1:watch", HttpMethod::kGet), "watch_execution");
  EXPECT_EQ(EndpointName("/metrics", HttpMethod::kGet), "metrics");
  EXPECT_EQ(EndpointName("/anything/else", HttpMethod::kGet), "unknown");
}

TEST(HttpCallRequest, AnExecutionMethodTakesItsIdFromThePathAndRefusesAnother) {
  Route watch = MatchRoute(HttpMethod::kGet, "/v1/executions/ex-7:watch");
  CallRequest call = ParseCallRequest(watch, "from_sequence=5", "");
  ASSERT_TRUE(call.ok()) << call.refused;
  const auto& request = std::get<v1::WatchExecutionRequest>(call.message);
  EXPECT_EQ(request.execution_id(), "ex-7");
  EXPECT_EQ(request.from_sequence(), 5);

  Route retry = MatchRoute(HttpMethod::kPost, "/v1/executions/ex-7:retry");
  call = ParseCallRequest(retry, "", R"({"fromFailedNode": true})");
  ASSERT_TRUE(call.ok()) << call.refused;
  EXPECT_TRUE(std::get<v1::RetryExecutionRequest>(call.message).from_failed_node());
  call = ParseCallRequest(retry, "", R"({"executionId": "ex-8"})");
  EXPECT_EQ(call.refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(call.refused.message().find("ex-7"), std::string::npos) << call.refused;

  Route get = MatchRoute(HttpMethod::kGet, "/v1/executions/ex-7");
  call = ParseCallRequest(get, "include_nodes=true&includeItems=true", "");
  ASSERT_TRUE(call.ok()) << call.refused;
  EXPECT_TRUE(std::get<v1::GetExecutionRequest>(call.message).include_nodes());
  EXPECT_TRUE(std::get<v1::GetExecutionRequest>(call.message).include_items());
}

// What a path names is carried in protobuf strings and quoted in messages, all UTF-8: a name,
// id or model id whose decoding is not (raw bytes or percent-escapes) is refused at the byte
// (found by the http_request fuzzer: the name was quoted and copied as it came).
TEST(HttpCallRequest, ANameInThePathOrQueryThatIsNotUtf8IsRefusedNamingTheByte) {
  Route start = MatchRoute(HttpMethod::kPost, "/v1/workflows/etri\xBF\xBC:start");
  ASSERT_EQ(start.outcome, Route::Outcome::kFound);
  CallRequest call = ParseCallRequest(start, "", R"({"yaml": ""})");
  EXPECT_EQ(call.refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(call.refused.message(),
            "the workflow name in the path is not UTF-8 once percent-decoded (byte 0xBF at "
            "offset 4)");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(call.message));

  call = ParseCallRequest(MatchRoute(HttpMethod::kPost, "/v1/workflows/caf%C3:run"), "", "");
  EXPECT_NE(call.refused.message().find("byte 0xC3 at offset 3"), std::string::npos)
      << call.refused;
  call = ParseCallRequest(MatchRoute(HttpMethod::kGet, "/v1/workflows/%FF"), "", "");
  EXPECT_NE(call.refused.message().find("workflow name"), std::string::npos) << call.refused;
  call = ParseCallRequest(MatchRoute(HttpMethod::kGet, "/v1/executions/ex-%80"), "", "");
  EXPECT_NE(call.refused.message().find("execution id in the path is not UTF-8"), std::string::npos)
      << call.refused;

  // So is a query's name or value: a filter on a repaired name would quietly match nothing.
  Route list = MatchRoute(HttpMethod::kGet, "/v1/executions");
  call = ParseCallRequest(list, "workflow=caf%C3&page_size=2", "");
  EXPECT_EQ(call.refused.message(),
            "the query parameter 'workflow' is not UTF-8 once percent-decoded (byte 0xC3 at "
            "offset 3)");
  call = ParseCallRequest(list,
                          "work\xFF"
                          "flow=ask",
                          "");  // a raw byte: names are not decoded
  EXPECT_EQ(call.refused.message(),
            "a query parameter's name is not UTF-8 (byte 0xFF at offset 4)");
  call = ParseCallRequest(list, "workflow=caf%C3%A9", "");
  ASSERT_TRUE(call.ok()) << call.refused;
  EXPECT_EQ(std::get<v1::ListExecutionsRequest>(call.message).workflow(), "caf\xC3\xA9");

  // The OpenAI endpoint refuses in OpenAI's shape.
  call = ParseCallRequest(MatchRoute(HttpMethod::kGet, "/v1/models/vendor/model%E9"), "", "");
  ASSERT_TRUE(call.openai_refused.has_value());
  EXPECT_TRUE(call.refused.ok());
  EXPECT_EQ(call.openai_refused->http_status, 400);
  EXPECT_EQ(call.openai_refused->type, "invalid_request_error");
  EXPECT_NE(call.openai_refused->message.find("model id in the path"), std::string::npos);

  // UTF-8, encoded or not, is a name like any other.
  call = ParseCallRequest(MatchRoute(HttpMethod::kPost, "/v1/workflows/caf%C3%A9:run"), "", "");
  ASSERT_TRUE(call.ok()) << call.refused;
  EXPECT_EQ(std::get<v1::RunWorkflowRequest>(call.message).workflow(), "caf\xC3\xA9");
  Route model = MatchRoute(HttpMethod::kGet, "/v1/models/caf\xC3\xA9");
  EXPECT_TRUE(ParseCallRequest(model, "", "").ok());
}

TEST(HttpCallRequest, ARepeatedFieldTakesEveryValueOfItsQueryParameter) {
  Route list = MatchRoute(HttpMethod::kGet, "/v1/executions");
  CallRequest call = ParseCallRequest(
      list, "workflow=ask&states=EXECUTION_STATE_FAILED&states=EXECUTION_STATE_CANCELLED&page_size=2",
      "");
  ASSERT_TRUE(call.ok()) << call.refused;
  const auto& request = std::get<v1::ListExecutionsRequest>(call.message);
  EXPECT_EQ(request.workflow(), "ask");
  ASSERT_EQ(request.states_size(), 2);
  EXPECT_EQ(request.states(0), v1::EXECUTION_STATE_FAILED);
  EXPECT_EQ(request.states(1), v1::EXECUTION_STATE_CANCELLED);
  EXPECT_EQ(request.page_size(), 2);
  // One value is a list of one; a wrong one names the parameter.
  call = ParseCallRequest(list, "states=EXECUTION_STATE_QUEUED", "");
  ASSERT_TRUE(call.ok()) << call.refused;
  EXPECT_EQ(std::get<v1::ListExecutionsRequest>(call.message).states_size(), 1);
  call = ParseCallRequest(list, "states=SOMETIMES", "");
  EXPECT_EQ(call.refused.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flowhost::http_api
