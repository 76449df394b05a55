// WorkflowService end to end, in-process: the real server on 127.0.0.1:0 with the real executor,
// HTTP client and built-in nodes, against the fake OpenRouter, called through the generated C++
// client.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/service/json_proto.h"
#include "server/service/status_mapping.h"
#include "tests/service/service_harness.h"

namespace flowhost::service {
namespace {

using testing::HarnessOptions;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ServiceHarness;
using testing::StartHarness;

google::protobuf::Struct Input(const sdk::Json& json) {
  google::protobuf::Struct input;
  EXPECT_TRUE(JsonToStruct(json, input).ok());
  return input;
}

v1::RunWorkflowRequest RunRequest(const std::string& workflow, const sdk::Json& input) {
  v1::RunWorkflowRequest request;
  request.set_workflow(workflow);
  *request.mutable_input() = Input(input);
  return request;
}

TEST(WorkflowService, RunWorkflowReturnsOutputItemsAndASummary) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status =
      harness->stub().RunWorkflow(context.get(), RunRequest("greet", {{"who", "Ada"}}), &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(response.execution_id(), HasSubstr("ex-"));
  EXPECT_EQ(response.workflow(), "greet");
  ASSERT_EQ(response.output_items_size(), 1);
  EXPECT_EQ(ValueToJson(response.output_items(0)), (sdk::Json{{"greeting", "Hello Ada"}}));
  ASSERT_EQ(response.summary().nodes_size(), 1);
  EXPECT_EQ(response.summary().nodes(0).name(), "hello");
  EXPECT_EQ(response.summary().nodes(0).status(), v1::NODE_STATUS_SUCCEEDED);
  EXPECT_EQ(response.summary().nodes(0).attempts(), 1);
  EXPECT_EQ(response.summary().nodes(0).items_out(), 1);
  EXPECT_TRUE(response.summary().has_start_time());
}

TEST(WorkflowService, RunWorkflowAsksTheUpstreamAndReportsModelTokensAndCost) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("ask", {{"question", "What is 2+2?"}}), &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.output_items_size(), 1);
  sdk::Json item = ValueToJson(response.output_items(0));
  EXPECT_EQ(item["content"], "Fake answer to: What is 2+2?");
  const v1::NodeSummary& answer = response.summary().nodes(0);
  EXPECT_EQ(answer.model(), "fake/ok");
  EXPECT_GT(answer.prompt_tokens(), 0);
  EXPECT_GT(answer.completion_tokens(), 0);
  ASSERT_GE(answer.calls_size(), 1);
  EXPECT_EQ(answer.calls(0).outcome(), "ok");
  EXPECT_EQ(response.summary().total_tokens(),
            response.summary().prompt_tokens() + response.summary().completion_tokens());
}

TEST(WorkflowService, RunWorkflowRunsInlineYaml) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowRequest request;
  request.set_yaml(R"(name: inline-double
inputs:
  n: {type: integer, required: true}
nodes:
  - name: double
    type: set
    params:
      mode: replace
      values: {twice: "{{ $inputs.n * 2 }}"}
)");
  *request.mutable_input() = Input({{"n", 21}});
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.workflow(), "inline-double");
  EXPECT_EQ(ValueToJson(response.output_items(0)), (sdk::Json{{"twice", 42}}));
}

TEST(WorkflowService, UnknownWorkflowIsNotFoundWithDetails) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("nope", sdk::Json::object()), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("no workflow named 'nope'"));
  std::optional<v1::ErrorDetails> details = ReadErrorDetails(*context);
  ASSERT_TRUE(details.has_value());
  EXPECT_EQ(details->error_class(), "not_found");
  EXPECT_EQ(details->workflow(), "nope");
}

TEST(WorkflowService, AnExecutionOverItsTimeLimitListsTheCallsItStoppedInTheDetails) {
  HarnessOptions options;
  options.max_execution_time = absl::Milliseconds(500);
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("ask", {{"question", "q"}, {"model", "fake/hang"}}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(status.error_message(), HasSubstr("max_execution_time"));
  std::optional<v1::ErrorDetails> details = ReadErrorDetails(*context);
  ASSERT_TRUE(details.has_value());
  EXPECT_EQ(details->node(), "");  // no node failed: the time limit stopped the execution
  ASSERT_EQ(details->calls_size(), 1);
  EXPECT_EQ(details->calls(0).model(), "fake/hang");
  EXPECT_EQ(details->calls(0).outcome(), "timed_out");
  EXPECT_EQ(details->calls(0).attempt(), 1);
  absl::StatusOr<sdk::Json> stats =
      harness->fake().WaitForStats([](const sdk::Json& s) { return s["in_flight"] == 0; });
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ((*stats)["chat_requests"], 1);
}

TEST(WorkflowService, InvalidInlineYamlIsInvalidArgumentWithLineAndColumn) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowRequest request;
  request.set_yaml("name: bad\nnodes:\n  - name: a\n    type: sett\n    params: {}\n");
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("<inline>:4:11: error:"));
  std::optional<v1::ErrorDetails> details = ReadErrorDetails(*context);
  ASSERT_TRUE(details.has_value());
  ASSERT_GE(details->diagnostics_size(), 1);
  EXPECT_EQ(details->diagnostics(0).line(), 4);
  EXPECT_EQ(details->diagnostics(0).column(), 11);
  EXPECT_EQ(details->diagnostics(0).path(), "nodes[0].type");
}

TEST(WorkflowService, MissingRequiredInputIsInvalidArgument) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status =
      harness->stub().RunWorkflow(context.get(), RunRequest("ask", sdk::Json::object()), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("question"));
}

TEST(WorkflowService, ValidateWorkflowReportsEveryProblemWithItsPosition) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::ValidateWorkflowRequest request;
  request.set_file_name("mine.yaml");
  request.set_yaml(
      "name: bad\nnodes:\n  - name: a\n    type: sett\n  - name: b\n    type: set\n"
      "    params: {values: {x: \"{{ 1 + }}\"}}\n");
  auto context = ServiceHarness::Context();
  v1::ValidateWorkflowResponse response;
  ASSERT_TRUE(harness->stub().ValidateWorkflow(context.get(), request, &response).ok());
  EXPECT_FALSE(response.valid());
  ASSERT_GE(response.diagnostics_size(), 2);
  EXPECT_EQ(response.diagnostics(0).file(), "mine.yaml");
  EXPECT_EQ(response.diagnostics(0).line(), 4);
  EXPECT_EQ(response.diagnostics(0).severity(), v1::Diagnostic::SEVERITY_ERROR);
  // Sorted by position; the expression error points inside the expression.
  const v1::Diagnostic& last = response.diagnostics(response.diagnostics_size() - 1);
  EXPECT_EQ(last.severity(), v1::Diagnostic::SEVERITY_ERROR);
  EXPECT_EQ(last.line(), 7);
  EXPECT_EQ(last.column(), 34);

  v1::ValidateWorkflowRequest good;
  good.set_yaml("name: ok\nnodes:\n  - name: a\n    type: noop\n");
  auto good_context = ServiceHarness::Context();
  v1::ValidateWorkflowResponse good_response;
  ASSERT_TRUE(harness->stub().ValidateWorkflow(good_context.get(), good, &good_response).ok());
  EXPECT_TRUE(good_response.valid());
  EXPECT_EQ(good_response.workflow().name(), "ok");
  EXPECT_EQ(good_response.workflow().nodes(0).type(), "noop");
}

// The issue's alias bomb by size: a 1 MiB string anchored once and aliased 2,000 times, a request
// of about 1 MB that would expand to 2 GB.
std::string AliasBombBySize() {
  std::string yaml = "name: b\nx-s: &s \"" + std::string(size_t{1} << 20, 'a') + "\"\nnodes:\n";
  yaml += "  - name: a\n    type: set\n    params: {values: {x: [*s";
  for (int i = 1; i < 2000; ++i) yaml += ", *s";
  return yaml + "]}}\n";
}

TEST(WorkflowService, ValidateWorkflowRefusesAnAliasBombBySizeAtTheAliasAndKeepsServing) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::ValidateWorkflowRequest request;
  request.set_file_name("b.yaml");
  request.set_yaml(AliasBombBySize());
  auto context = ServiceHarness::Context();
  v1::ValidateWorkflowResponse response;
  grpc::Status status = harness->stub().ValidateWorkflow(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.valid());
  ASSERT_EQ(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).file(), "b.yaml");
  EXPECT_EQ(response.diagnostics(0).line(), 6);
  EXPECT_EQ(response.diagnostics(0).column(), 31);  // the second alias: one fits in 4 MiB
  EXPECT_THAT(response.diagnostics(0).message(),
              HasSubstr("the document would hold more than 4194304 bytes of text: alias '*s' "
                        "repeats 1048576 bytes here"));

  // RunWorkflow reads inline YAML the same way.
  v1::RunWorkflowRequest run;
  run.set_yaml(AliasBombBySize());
  auto run_context = ServiceHarness::Context();
  v1::RunWorkflowResponse run_response;
  EXPECT_EQ(harness->stub().RunWorkflow(run_context.get(), run, &run_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  auto after = ServiceHarness::Context();
  v1::RunWorkflowResponse greeted;
  EXPECT_TRUE(harness->stub()
                  .RunWorkflow(after.get(), RunRequest("greet", {{"who", "Ada"}}), &greeted)
                  .ok());
}

// yaml-cpp 0.7 decodes "\_" to the lone byte 0xA0, not UTF-8: checking the value against the merge
// node's choices dumped it strictly, which threw and aborted the server (workflow_loader fuzzer).
TEST(WorkflowService, ValidateWorkflowReadsANoBreakSpaceEscapeAndKeepsServing) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::ValidateWorkflowRequest request;
  request.set_yaml(
      "name: nbsp\nnodes:\n  - name: m\n    type: merge\n    params: {mode: \"append\\_\"}\n");
  auto context = ServiceHarness::Context();
  v1::ValidateWorkflowResponse response;
  grpc::Status status = harness->stub().ValidateWorkflow(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_FALSE(response.valid());
  ASSERT_GE(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).line(), 5);
  EXPECT_THAT(response.diagnostics(0).message(), HasSubstr("\"append\u00A0\""));

  auto after = ServiceHarness::Context();
  v1::RunWorkflowResponse greeted;
  EXPECT_TRUE(harness->stub()
                  .RunWorkflow(after.get(), RunRequest("greet", {{"who", "Ada"}}), &greeted)
                  .ok());
}

// The issue's ~400-byte workflow that makes 1,000 items of 8 MB each (8 GB).
constexpr char kEightGigabytes[] = R"(name: fat
nodes:
  - {name: numbers, type: set, params: {values: {n: "{{ range(1000) }}"}}, next: each}
  - {name: each, type: split_out, params: {field: n}, next: fat}
  - {name: fat, type: set, params: {values: {blob: "{{ repeat(repeat('x', 1000), 8000) }}"}}}
)";

TEST(WorkflowService, AnExecutionBuildingGigabytesFailsResourceExhaustedWhileOthersSucceed) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  // A normal execution in flight meanwhile: it has started when the large one starts.
  v1::StreamWorkflowRequest slow;
  slow.set_workflow("slow");
  *slow.mutable_input() = Input({{"duration", "1s"}});
  auto slow_context = ServiceHarness::Context();
  auto reader = harness->stub().StreamWorkflow(slow_context.get(), slow);
  v1::StreamWorkflowResponse event;
  bool started = false;
  while (!started && reader->Read(&event)) started = event.has_node_started();
  ASSERT_TRUE(started);

  v1::RunWorkflowRequest request;
  request.set_yaml(kEightGigabytes);
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("node 'fat'"));
  EXPECT_THAT(status.error_message(),
              HasSubstr("the execution would hold more than max_execution_item_bytes "
                        "(268435456 bytes) of items"));
  std::optional<v1::ErrorDetails> details = ReadErrorDetails(*context);
  ASSERT_TRUE(details.has_value());
  EXPECT_EQ(details->error_class(), "limit_exceeded");
  EXPECT_EQ(details->node(), "fat");

  v1::StreamWorkflowResponse last;
  while (reader->Read(&event)) last = event;
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(last.execution_finished().status(), v1::EXECUTION_STATUS_SUCCEEDED);

  // And the server carries on.
  auto after = ServiceHarness::Context();
  v1::RunWorkflowResponse greeted;
  EXPECT_TRUE(harness->stub()
                  .RunWorkflow(after.get(), RunRequest("greet", {{"who", "Ada"}}), &greeted)
                  .ok());
}

TEST(WorkflowService, RunWorkflowRefusesNaNAndInfinityAsNumberInputs) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    v1::RunWorkflowRequest request;
    request.set_yaml(R"(name: scale
inputs:
  factor: {type: number, required: true}
nodes:
  - {name: scaled, type: set, params: {values: {x: "{{ $inputs.factor * 2 }}"}}}
)");
    (*request.mutable_input()->mutable_fields())["factor"].set_number_value(bad);
    auto context = ServiceHarness::Context();
    v1::RunWorkflowResponse response;
    grpc::Status status = harness->stub().RunWorkflow(context.get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_THAT(status.error_message(),
                HasSubstr("input 'factor': " +
                          std::string(std::isnan(bad) ? "NaN"
                                      : bad > 0       ? "Infinity"
                                                      : "-Infinity") +
                          " is not a finite number (JSON has no NaN or Infinity)"));
  }
}

TEST(WorkflowService, ListWorkflowsPagesPastFilesThatShareAName) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  // A broken greet.yml is listed as "greet", like greet.yaml's workflow, which it does not hide.
  uint64_t generation = harness->host().store().generation();
  harness->WriteWorkflow("greet.yml", "name: greet\nnodes: [}\n");
  ASSERT_TRUE(harness->host().store().WaitForGeneration(generation, absl::Seconds(20)));

  std::vector<std::pair<std::string, std::string>> seen;  // (name, file), one per page
  std::string token;
  do {
    v1::ListWorkflowsRequest request;
    request.set_page_size(1);
    request.set_page_token(token);
    auto context = ServiceHarness::Context();
    v1::ListWorkflowsResponse response;
    ASSERT_TRUE(harness->stub().ListWorkflows(context.get(), request, &response).ok());
    for (const auto& workflow : response.workflows()) {
      seen.emplace_back(workflow.name(), workflow.source_file());
    }
    token = response.next_page_token();
  } while (!token.empty() && seen.size() < 20);
  EXPECT_THAT(seen, ::testing::ElementsAre(::testing::Pair("ask", "ask.yaml"),
                                           ::testing::Pair("broken", "broken.yaml"),
                                           ::testing::Pair("greet", "greet.yaml"),
                                           ::testing::Pair("greet", "greet.yml"),
                                           ::testing::Pair("slow", "slow.yaml")));

  v1::GetWorkflowRequest get;
  get.set_name("greet");
  auto context = ServiceHarness::Context();
  v1::GetWorkflowResponse got;
  ASSERT_TRUE(harness->stub().GetWorkflow(context.get(), get, &got).ok());
  EXPECT_EQ(got.workflow().load_state(), v1::LOAD_STATE_LOADED);  // the one served
}

TEST(WorkflowService, ListWorkflowsPagesThroughEveryFileIncludingBrokenOnes) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  std::vector<v1::Workflow> all;
  std::string token;
  int pages = 0;
  do {
    v1::ListWorkflowsRequest request;
    request.set_page_size(3);
    request.set_page_token(token);
    auto context = ServiceHarness::Context();
    v1::ListWorkflowsResponse response;
    ASSERT_TRUE(harness->stub().ListWorkflows(context.get(), request, &response).ok());
    EXPECT_EQ(response.total_size(), 4);
    for (const auto& workflow : response.workflows()) all.push_back(workflow);
    token = response.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);

  EXPECT_EQ(pages, 2);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].name(), "ask");
  EXPECT_EQ(all[1].name(), "broken");
  EXPECT_EQ(all[1].load_state(), v1::LOAD_STATE_FAILED);
  ASSERT_GE(all[1].diagnostics_size(), 1);
  EXPECT_EQ(all[1].diagnostics(0).line(), 4);
  EXPECT_EQ(all[2].name(), "greet");
  EXPECT_EQ(all[2].load_state(), v1::LOAD_STATE_LOADED);
  EXPECT_EQ(all[2].source_file(), "greet.yaml");
  EXPECT_TRUE(all[2].yaml().empty());  // BASIC view
  ASSERT_EQ(all[2].inputs_size(), 1);
  EXPECT_EQ(all[2].inputs(0).name(), "who");
  EXPECT_EQ(all[2].inputs(0).default_value().string_value(), "world");

  v1::ListWorkflowsRequest bad;
  bad.set_page_token("garbage");
  auto bad_context = ServiceHarness::Context();
  v1::ListWorkflowsResponse bad_response;
  EXPECT_EQ(harness->stub().ListWorkflows(bad_context.get(), bad, &bad_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(WorkflowService, GetWorkflowReturnsNodesAndSourceAndNotFoundForUnknownNames) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::GetWorkflowRequest request;
  request.set_name("ask");
  auto context = ServiceHarness::Context();
  v1::GetWorkflowResponse response;
  ASSERT_TRUE(harness->stub().GetWorkflow(context.get(), request, &response).ok());
  EXPECT_EQ(response.workflow().description(), "Ask one model one question.");
  ASSERT_EQ(response.workflow().nodes_size(), 1);
  EXPECT_EQ(response.workflow().nodes(0).type(), "openrouter.chat");
  EXPECT_THAT(response.workflow().yaml(), HasSubstr("openrouter.chat"));  // FULL by default
  EXPECT_TRUE(response.workflow().has_load_time());

  request.set_name("missing");
  auto missing = ServiceHarness::Context();
  EXPECT_EQ(harness->stub().GetWorkflow(missing.get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(WorkflowService, ChangedAndAddedFilesAreServedWithoutARestart) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  uint64_t generation = harness->host().store().generation();
  harness->WriteWorkflow("hello.yaml",
                         "name: hello\nnodes:\n  - name: a\n    type: set\n"
                         "    params: {mode: replace, values: {said: hi}}\n");
  ASSERT_TRUE(harness->host().store().WaitForGeneration(generation, absl::Seconds(20)));
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("hello", sdk::Json::object()), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ValueToJson(response.output_items(0)), (sdk::Json{{"said", "hi"}}));
}

TEST(WorkflowService, ListNodeTypesListsEveryTypeWithItsSchema) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::ListNodeTypesRequest request;
  request.set_page_size(1000);
  auto context = ServiceHarness::Context();
  v1::ListNodeTypesResponse response;
  ASSERT_TRUE(harness->stub().ListNodeTypes(context.get(), request, &response).ok());
  EXPECT_EQ(response.total_size(), response.node_types_size());
  std::vector<std::string> types;
  for (const auto& type : response.node_types()) types.push_back(type.type());
  EXPECT_THAT(types,
              ::testing::IsSupersetOf({"set", "wait", "openrouter.chat", "router.fallback"}));
  EXPECT_TRUE(std::is_sorted(types.begin(), types.end()));
  for (const auto& type : response.node_types()) {
    EXPECT_FALSE(type.has_plugin()) << type.type() << " is built in";
    EXPECT_EQ(type.output_schema().fields().at("type").string_value(), "object") << type.type();
    if (type.type() == "openrouter.chat") {
      // Exact: the fields of a chat answer, and no others.
      EXPECT_TRUE(type.output_schema().fields().at("properties").struct_value().fields().contains(
          "content"));
      EXPECT_FALSE(type.output_schema().fields().at("additionalProperties").bool_value());
    }
    if (type.type() != "set") continue;
    EXPECT_TRUE(type.output_schema().fields().at("x-passthrough").bool_value());
    EXPECT_FALSE(type.description().empty());
    EXPECT_EQ(type.parameter_schema().fields().at("type").string_value(), "object");
    EXPECT_TRUE(type.parameter_schema()
                    .fields()
                    .at("properties")
                    .struct_value()
                    .fields()
                    .contains("values"));
    EXPECT_EQ(type.outputs(0).name(), "main");
  }
}

TEST(WorkflowService, ListRouteHealthShowsARouteOpenedByRetryAfter) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowRequest run;
  run.set_yaml(
      "name: routed\nnodes:\n  - name: r\n    type: router.fallback\n    params:\n"
      "      prompt: hi\n      routes: [{model: fake/fail429}, {model: fake/ok}]\n");
  auto run_context = ServiceHarness::Context();
  v1::RunWorkflowResponse run_response;
  ASSERT_TRUE(harness->stub().RunWorkflow(run_context.get(), run, &run_response).ok());

  auto context = ServiceHarness::Context();
  v1::ListRouteHealthResponse response;
  grpc::Status status =
      harness->stub().ListRouteHealth(context.get(), v1::ListRouteHealthRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.routes_size(), 2);  // sorted: fake/fail429 before fake/ok
  const v1::RouteHealth& limited = response.routes(0);
  EXPECT_THAT(limited.route(), HasSubstr("|fake/fail429"));
  EXPECT_EQ(limited.state(), v1::ROUTE_STATE_OPEN);  // fake/fail429 sends Retry-After: 1
  EXPECT_TRUE(limited.retry_after());
  EXPECT_EQ(limited.opened_by(), "rate_limited");
  EXPECT_EQ(limited.calls(), 1);
  EXPECT_DOUBLE_EQ(limited.failure_rate(), 1.0);
  EXPECT_TRUE(limited.has_open_until());
  EXPECT_TRUE(limited.has_last_failure_time());
  const v1::RouteHealth& healthy = response.routes(1);
  EXPECT_THAT(healthy.route(), HasSubstr("|fake/ok"));
  EXPECT_EQ(healthy.state(), v1::ROUTE_STATE_CLOSED);
  EXPECT_EQ(healthy.failures(), 0);
  EXPECT_FALSE(healthy.has_open_until());
}

TEST(WorkflowService, ListNodeTypesSaysWhichPluginATypeComesFrom) {
  HarnessOptions options;
  options.plugins = {FH_TEST_PLUGIN_C_MINIMAL_PLUGIN};
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  v1::ListNodeTypesRequest request;
  request.set_page_size(1000);
  auto context = ServiceHarness::Context();
  v1::ListNodeTypesResponse response;
  ASSERT_TRUE(harness->stub().ListNodeTypes(context.get(), request, &response).ok());
  int plugin_types = 0;
  for (const auto& type : response.node_types()) {
    if (!type.has_plugin()) continue;
    ++plugin_types;
    EXPECT_EQ(type.type(), "test.c_echo");
    EXPECT_EQ(type.plugin().file(), FH_TEST_PLUGIN_C_MINIMAL_PLUGIN);
    EXPECT_EQ(type.plugin().name(), "c_minimal");
    EXPECT_EQ(type.plugin().version(), "1.0.0");
  }
  EXPECT_EQ(plugin_types, 1);
}

TEST(WorkflowService, AStreamingRouterSaysToDiscardTheTextOfARouteThatFailedMidStream) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::StreamWorkflowRequest request;
  // fake/stream-error streams two chunks, then an error event; fake/ok answers.
  request.set_yaml(
      "name: routed-stream\nnodes:\n  - name: r\n    type: router.fallback\n    params:\n"
      "      prompt: tell me\n      routes: [{model: fake/stream-error}, {model: fake/ok}]\n");
  auto context = ServiceHarness::Context();
  auto reader = harness->stub().StreamWorkflow(context.get(), request);

  // What a caller keeps: each attempt's text, dropping an attempt's when told to.
  std::map<int, std::string> text_by_attempt;
  std::vector<std::string> order;  // "delta:<attempt>" / "reset:<attempt>"
  v1::StreamWorkflowResponse event;
  std::string answer;
  while (reader->Read(&event)) {
    if (event.has_token_delta()) {
      const v1::TokenDelta& delta = event.token_delta();
      if (delta.kind() != "content") continue;
      text_by_attempt[delta.attempt()] += delta.text();
      if (order.empty() || order.back() != "delta:" + std::to_string(delta.attempt())) {
        order.push_back("delta:" + std::to_string(delta.attempt()));
      }
      EXPECT_EQ(delta.model(), delta.attempt() == 1 ? "fake/stream-error" : "fake/ok");
      EXPECT_EQ(delta.route(), delta.model());
    } else if (event.has_tokens_reset()) {
      const v1::TokensReset& reset = event.tokens_reset();
      EXPECT_EQ(reset.node(), "r");
      EXPECT_EQ(reset.item_index(), 0);
      EXPECT_EQ(reset.route(), "fake/stream-error");
      text_by_attempt.erase(reset.attempt());
      order.push_back("reset:" + std::to_string(reset.attempt()));
    } else if (event.has_execution_finished()) {
      ASSERT_EQ(event.execution_finished().output_items_size(), 1);
      answer = event.execution_finished()
                   .output_items(0)
                   .struct_value()
                   .fields()
                   .at("content")
                   .string_value();
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(order, (std::vector<std::string>{"delta:1", "reset:1", "delta:2"}));
  std::string joined;
  for (const auto& [attempt, text] : text_by_attempt) joined += text;
  EXPECT_EQ(joined, "Fake answer to: tell me");
  EXPECT_EQ(joined, answer);
}

// Streams `yaml` and returns the content deltas' attempts in order, whether a tokens_reset came,
// the joined content text, and the answer's content.
struct HeldBackStream {
  std::vector<int> delta_attempts;
  bool reset = false;
  std::string text;
  std::string answer;
};

HeldBackStream StreamRouter(ServiceHarness& harness, const std::string& yaml) {
  v1::StreamWorkflowRequest request;
  request.set_yaml(yaml);
  auto context = ServiceHarness::Context();
  auto reader = harness.stub().StreamWorkflow(context.get(), request);
  HeldBackStream out;
  v1::StreamWorkflowResponse event;
  while (reader->Read(&event)) {
    if (event.has_token_delta() && event.token_delta().kind() == "content") {
      out.delta_attempts.push_back(event.token_delta().attempt());
      out.text += event.token_delta().text();
    } else if (event.has_tokens_reset()) {
      out.reset = true;
    } else if (event.has_execution_finished() &&
               event.execution_finished().output_items_size() == 1) {
      out.answer =
          event.execution_finished().output_items(0).struct_value().fields().at("content").string_value();
    }
  }
  EXPECT_TRUE(reader->Finish().ok());
  return out;
}

TEST(WorkflowService, InHoldBackModeAStreamingCallerGetsOnlyTheAnsweringRoutesText) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  // fake/stream-error streams two chunks, then an error event; fake/drip answers in pieces.
  HeldBackStream failed = StreamRouter(
      *harness,
      "name: held-back\nnodes:\n  - name: r\n    type: router.fallback\n    params:\n"
      "      prompt: tell me\n      hold_back: true\n"
      "      routes: [{model: fake/stream-error}, {model: fake/drip}]\n");
  EXPECT_FALSE(failed.reset);  // nothing of the failed attempt was sent, nothing to take back
  ASSERT_GT(failed.delta_attempts.size(), 1u);  // the answer's own pieces, not one block
  for (int attempt : failed.delta_attempts) EXPECT_EQ(attempt, 2);
  EXPECT_EQ(failed.text, failed.answer);
  EXPECT_FALSE(failed.answer.empty());

  // An answer the accept check rejects streams nothing either.
  HeldBackStream rejected = StreamRouter(
      *harness,
      "name: held-back-accept\nnodes:\n  - name: r\n    type: router.fallback\n    params:\n"
      "      prompt: tell me\n      hold_back: true\n"
      "      accept: \"{{ $json.model == 'fake/drip' }}\"\n"
      "      routes: [{model: fake/ok}, {model: fake/drip}]\n");
  EXPECT_FALSE(rejected.reset);
  ASSERT_FALSE(rejected.delta_attempts.empty());
  for (int attempt : rejected.delta_attempts) EXPECT_EQ(attempt, 2);
  EXPECT_EQ(rejected.text, rejected.answer);
}

TEST(WorkflowService, StreamWorkflowSendsStartedDeltasInOrderThenFinished) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::StreamWorkflowRequest request;
  request.set_workflow("ask");
  *request.mutable_input() = Input({{"question", "Tell me a story"}, {"model", "fake/drip"}});
  auto context = ServiceHarness::Context();
  auto reader = harness->stub().StreamWorkflow(context.get(), request);

  std::vector<v1::StreamWorkflowResponse> events;
  v1::StreamWorkflowResponse event;
  while (reader->Read(&event)) events.push_back(event);
  grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_GE(events.size(), 4u);
  EXPECT_TRUE(events.front().has_execution_started());
  EXPECT_EQ(events.front().execution_started().workflow(), "ask");
  EXPECT_TRUE(events.back().has_execution_finished());
  std::string text;
  int deltas = 0;
  bool node_started = false, node_finished = false;
  for (const auto& e : events) {
    if (e.has_node_started()) node_started = true;
    if (e.has_token_delta()) {
      EXPECT_TRUE(node_started) << "a delta before its node started";
      EXPECT_FALSE(node_finished) << "a delta after its node finished";
      EXPECT_EQ(e.token_delta().node(), "answer");
      EXPECT_EQ(e.token_delta().kind(), "content");
      text += e.token_delta().text();
      ++deltas;
    }
    if (e.has_node_finished()) node_finished = true;
  }
  EXPECT_GE(deltas, 2);
  EXPECT_EQ(text, "Fake answer to: Tell me a story");
  EXPECT_TRUE(node_finished);
  const v1::ExecutionFinished& finished = events.back().execution_finished();
  EXPECT_EQ(finished.status(), v1::EXECUTION_STATUS_SUCCEEDED);
  ASSERT_EQ(finished.output_items_size(), 1);
  EXPECT_EQ(ValueToJson(finished.output_items(0))["content"], text);
  EXPECT_GT(finished.summary().completion_tokens(), 0);
}

TEST(WorkflowService, DeadlineExceededWhileTheUpstreamHangsAbortsTheUpstreamRequest) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  auto context = ServiceHarness::Context(absl::Seconds(2));
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("ask", {{"question", "hello?"}, {"model", "fake/hang"}}),
      &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The execution stopped and its upstream transfer was aborted (the fake saw the client leave).
  EXPECT_TRUE(harness->host().gate().WaitUntilIdle(absl::Seconds(30)));
  // The log says why: the deadline, not a cancellation by the caller.
  std::vector<std::string> finished;
  for (const std::string& line : harness->log_lines()) {
    if (line.find("\"execution finished\"") != std::string::npos) finished.push_back(line);
  }
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_THAT(finished[0], HasSubstr("\"status\":\"DEADLINE_EXCEEDED\""));
  EXPECT_THAT(finished[0], HasSubstr("deadline"));
  EXPECT_THAT(finished[0], Not(HasSubstr("cancelled")));
  absl::StatusOr<nlohmann::json> stats = harness->fake().WaitForStats(
      [](const nlohmann::json& s) { return s["requests_aborted"].get<int>() >= 1; });
  EXPECT_TRUE(stats.ok()) << stats.status();
}

TEST(WorkflowService, ClientCancelOfAStreamCancelsTheExecutionAndItsUpstreamRequest) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::StreamWorkflowRequest request;
  request.set_workflow("ask");
  *request.mutable_input() = Input({{"question", "hello?"}, {"model", "fake/hang"}});
  auto context = ServiceHarness::Context();
  auto reader = harness->stub().StreamWorkflow(context.get(), request);
  v1::StreamWorkflowResponse event;
  bool node_started = false;
  while (!node_started && reader->Read(&event)) node_started = event.has_node_started();
  ASSERT_TRUE(node_started);
  ASSERT_TRUE(harness->fake()
                  .WaitForStats([](const nlohmann::json& s) { return s["in_flight"] == 1; })
                  .ok());

  context->TryCancel();
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(harness->host().gate().WaitUntilIdle(absl::Seconds(30)));
  EXPECT_TRUE(harness->fake()
                  .WaitForStats([](const nlohmann::json& s) { return s["requests_aborted"] == 1; })
                  .ok());
}

TEST(WorkflowService, TooManyExecutionsInFlightIsResourceExhaustedAtOnce) {
  HarnessOptions options;
  options.max_executions_in_flight = 1;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  v1::StreamWorkflowRequest slow;
  slow.set_workflow("slow");
  auto slow_context = ServiceHarness::Context();
  auto reader = harness->stub().StreamWorkflow(slow_context.get(), slow);
  v1::StreamWorkflowResponse event;
  ASSERT_TRUE(reader->Read(&event));
  ASSERT_TRUE(event.has_execution_started());

  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("greet", sdk::Json::object()), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("too many executions in flight"));
  EXPECT_EQ(ReadErrorDetails(*context)->error_class(), "limit_exceeded");

  slow_context->TryCancel();
  while (reader->Read(&event)) {
  }
  reader->Finish();
}

TEST(WorkflowService, RateLimitedUpstreamWithNoFallbackIsResourceExhaustedWithDetails) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("ask", {{"question", "hi"}, {"model", "fake/fail429"}}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  std::optional<v1::ErrorDetails> details = ReadErrorDetails(*context);
  ASSERT_TRUE(details.has_value());
  EXPECT_EQ(details->error_class(), "rate_limited");
  EXPECT_EQ(details->node(), "answer");
  EXPECT_EQ(details->attempts(), 1);
  EXPECT_THAT(details->execution_id(), HasSubstr("ex-"));
  const auto& trailers = context->GetServerTrailingMetadata();
  auto reason = trailers.find("flowhost-error-class");
  ASSERT_NE(reason, trailers.end());
  EXPECT_EQ(std::string(reason->second.data(), reason->second.size()), "rate_limited");
}

TEST(WorkflowService, ARetryAfterOfDecadesReachesTheCallerCutToTheCeiling) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  for (const char* retry_after : {"999999999", "Thu, 01 Jan 2099 00:00:00 GMT"}) {
    SCOPED_TRACE(retry_after);
    ASSERT_TRUE(harness->fake().ClearRules().ok());
    ASSERT_TRUE(harness->fake()
                    .AddRules(sdk::Json::array(
                        {{{"model", "fake/ok"},
                          {"behavior", {{"status", 429}, {"retry_after", retry_after}}}}}))
                    .ok());
    auto context = ServiceHarness::Context();
    v1::RunWorkflowResponse response;
    grpc::Status status = harness->stub().RunWorkflow(
        context.get(), RunRequest("ask", {{"question", "hi"}}), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    std::optional<v1::ErrorDetails> details = ReadErrorDetails(*context);
    ASSERT_TRUE(details.has_value());
    EXPECT_EQ(details->retry_after().seconds(), 300);  // http.max_retry_after's default
  }
}

TEST(WorkflowService, InputFlaggedByModerationIsInvalidArgumentAsTheDocsSay) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  ASSERT_TRUE(
      harness->fake()
          .AddRules(sdk::Json::array({{{"model", "fake/ok"}, {"behavior", {{"status", 403}}}}}))
          .ok());
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("ask", {{"question", "hi"}}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("flagged"));
  std::optional<v1::ErrorDetails> details = ReadErrorDetails(*context);
  ASSERT_TRUE(details.has_value());
  EXPECT_EQ(details->error_class(), "moderation");
  EXPECT_EQ(details->node(), "answer");
}

TEST(WorkflowService, UpstreamDownIsUnavailable) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("ask", {{"question", "hi"}, {"model", "fake/fail503"}}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST(WorkflowService, MissingKeyIsFailedPreconditionSayingWhatToSet) {
  HarnessOptions options;
  options.api_key = "";
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("ask", {{"question", "hi"}}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("OPENROUTER_API_KEY"));
}

TEST(WorkflowService, RejectedKeyIsFailedPreconditionAndNeverRevealed) {
  const std::string key = "sk-or-v1-rejected-0123456789abcdef";
  HarnessOptions options;
  options.api_key = key;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("ask", {{"question", "hi"}}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), Not(HasSubstr("0123456789abcdef")));
  std::optional<v1::ErrorDetails> details = ReadErrorDetails(*context);
  ASSERT_TRUE(details.has_value());
  EXPECT_THAT(details->DebugString(), Not(HasSubstr("0123456789abcdef")));
  for (const std::string& line : harness->log_lines()) {
    EXPECT_THAT(line, Not(HasSubstr("0123456789abcdef")));
  }
}

TEST(WorkflowService, AKeyShapedStringAnUpstreamEchoesIsScrubbedFromLogsAsFromErrors) {
  // Not the configured key: one the host never knew, which only its shape gives away. The first
  // attempt's failure is logged (the executor retries it), the last one is returned.
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  const std::string leaked = "sk-or-v1-leaked0123456789abcdef";
  ASSERT_TRUE(
      harness->fake()
          .AddRules(sdk::Json::array(
              {{{"model", "fake/ok"},
                {"behavior", {{"status", 502}, {"message", "Provider said: bad key " + leaked}}}}}))
          .ok());
  v1::RunWorkflowRequest request;
  request.set_yaml(R"(name: echo
nodes:
  - name: answer
    type: openrouter.chat
    retry: {attempts: 2, initial_backoff: 1ms, jitter: 0}
    params: {model: fake/ok, prompt: hi}
)");
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("bad key <redacted>"));
  bool retry_logged = false;
  for (const std::string& line : harness->log_lines()) {
    EXPECT_THAT(line, Not(HasSubstr("leaked0123456789")));
    if (line.find("retrying") != std::string::npos) {
      retry_logged = true;
      EXPECT_THAT(line, HasSubstr("bad key <redacted>"));
    }
  }
  EXPECT_TRUE(retry_logged);
}

TEST(WorkflowService, AuthenticationRefusesMissingAndWrongTokensAndAcceptsKnownOnes) {
  HarnessOptions options;
  options.auth_tokens = {"token-alpha-123", "token-beta-456"};
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowRequest request = RunRequest("greet", sdk::Json::object());
  v1::RunWorkflowResponse response;

  auto none = ServiceHarness::Context();
  EXPECT_EQ(harness->stub().RunWorkflow(none.get(), request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto wrong = ServiceHarness::Context();
  wrong->AddMetadata("authorization", "Bearer token-gamma-789");
  grpc::Status wrong_status = harness->stub().RunWorkflow(wrong.get(), request, &response);
  EXPECT_EQ(wrong_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(wrong_status.error_message(), Not(HasSubstr("token-gamma-789")));
  auto list = ServiceHarness::Context();
  v1::ListWorkflowsResponse listed;
  EXPECT_EQ(harness->stub().ListWorkflows(list.get(), {}, &listed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  auto good = ServiceHarness::Context();
  good->AddMetadata("authorization", "Bearer token-beta-456");
  EXPECT_TRUE(harness->stub().RunWorkflow(good.get(), request, &response).ok());
  EXPECT_EQ(*harness->HealthCheck(), 1);  // probes need no token
}

TEST(WorkflowService, HealthIsServingThenNotServingWhileDrainingAndInFlightWorkFinishes) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  EXPECT_EQ(*harness->HealthCheck(), 1);
  EXPECT_EQ(*harness->HealthCheck("flowhost.v1.WorkflowService"), 1);

  v1::StreamWorkflowRequest slow;
  slow.set_workflow("slow");
  *slow.mutable_input() = Input({{"duration", "3s"}});
  auto slow_context = ServiceHarness::Context();
  auto reader = harness->stub().StreamWorkflow(slow_context.get(), slow);
  v1::StreamWorkflowResponse event;
  ASSERT_TRUE(reader->Read(&event));

  std::thread drainer([&harness] { harness->host().Shutdown(); });
  // Wait for the drain to begin: health flips while the execution is still in flight.
  absl::StatusOr<int> health = harness->HealthCheck();
  for (int i = 0; i < 3000 && health.ok() && *health == 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling bound only
    health = harness->HealthCheck();
  }
  EXPECT_EQ(*health, 2);
  auto refused = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status refused_status = harness->stub().RunWorkflow(
      refused.get(), RunRequest("greet", sdk::Json::object()), &response);
  EXPECT_EQ(refused_status.error_code(), grpc::StatusCode::UNAVAILABLE);

  std::vector<v1::StreamWorkflowResponse> rest;
  while (reader->Read(&event)) rest.push_back(event);
  EXPECT_TRUE(reader->Finish().ok());  // finished within the grace period
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().execution_finished().status(), v1::EXECUTION_STATUS_SUCCEEDED);
  drainer.join();
}

TEST(WorkflowService, DrainCancelsExecutionsStillRunningAfterTheGracePeriod) {
  HarnessOptions options;
  options.shutdown_grace_period = absl::Milliseconds(200);
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  v1::StreamWorkflowRequest slow;
  slow.set_workflow("slow");
  auto slow_context = ServiceHarness::Context();
  auto reader = harness->stub().StreamWorkflow(slow_context.get(), slow);
  v1::StreamWorkflowResponse event;
  ASSERT_TRUE(reader->Read(&event));

  harness->host().Shutdown();
  v1::StreamWorkflowResponse last;
  while (reader->Read(&event)) last = event;
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(last.execution_finished().status(), v1::EXECUTION_STATUS_CANCELLED);
}

TEST(WorkflowService, ServesOverTlsWhenACertificateIsConfigured) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("flowhost_tls_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();
  std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "openssl is needed for this test";
  HarnessOptions options;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);

  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(
      context.get(), RunRequest("greet", sdk::Json::object()), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();

  // A plaintext client cannot talk to it.
  auto plain = v1::WorkflowService::NewStub(
      grpc::CreateChannel(harness->target(), grpc::InsecureChannelCredentials()));
  auto plain_context = ServiceHarness::Context(absl::Seconds(5));
  EXPECT_FALSE(
      plain->RunWorkflow(plain_context.get(), RunRequest("greet", sdk::Json::object()), &response)
          .ok());
  harness.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flowhost::service
