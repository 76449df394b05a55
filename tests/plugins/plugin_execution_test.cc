// Plugin nodes running in a real host (the executor, the pooled HTTP client, the fake OpenRouter),
// loaded through the plugin loader: what crosses the C ABI while a node runs. The node types are
// behaviours_plugin.cc's (C++ SDK through flowhost/plugin/plugin.h) and c_minimal_plugin.c's (plain
// C against plugin_abi.h alone).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/executor/execution_record.h"
#include "tests/nodes/testing/e2e_host.h"

namespace flowhost::plugins {
namespace {

using executor::ExecutionRecord;
using executor::NodeStatus;
using node_testing::E2eHost;
using sdk::Json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class PluginExecution : public ::testing::Test {
 protected:
  void SetUp() override {
    E2eHost::Options options;
    options.plugins = {BEHAVIOURS_PLUGIN, FH_TEST_PLUGIN_C_MINIMAL_PLUGIN, FH_TEST_PLUGIN_TWICE_PLUGIN};
    absl::StatusOr<std::unique_ptr<E2eHost>> host = E2eHost::Create(std::move(options));
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
  }

  // A workflow of one node of `type`, with `settings` (YAML lines under the node) appended.
  workflow::WorkflowPtr OneNode(const std::string& type, const std::string& settings = "") {
    absl::StatusOr<workflow::WorkflowPtr> workflow = host_->Load(absl::StrCat(R"(
name: one
inputs:
  greeting: {type: string}
  n: {type: integer}
nodes:
  - name: it
    type: )", type, "\n", settings));
    EXPECT_TRUE(workflow.ok()) << workflow.status();
    return workflow.ok() ? *workflow : nullptr;
  }

  std::unique_ptr<E2eHost> host_;
};

TEST_F(PluginExecution, APlainCPluginRunsItsNode) {
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(OneNode("test.c_echo"), Json{{"greeting", "hello"}});
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_THAT(record->output, ElementsAre(Json{{"greeting", "hello"}}));
}

TEST_F(PluginExecution, TheFirstCompletionWinsAndADeadTokenGetsNothing) {
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(OneNode("test.c_twice"), Json{{"greeting", "hello"}});
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_THAT(record->output, ElementsAre(Json{{"greeting", "hello"}}));

  // What exec_inputs gave the dead token, inline on execute's thread: nothing.
  record = host_->Run(OneNode("test.c_twice_report"), Json::object());
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_THAT(record->output, ElementsAre(Json{{"dead_token_inputs_bytes", 0}}));
  for (const Json& line : host_->logger().lines()) {
    EXPECT_NE(line["message"], "logged with a dead token") << line;
  }
}

TEST_F(PluginExecution, ANodeCompletesFromAnotherThread) {
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(OneNode("test.from_thread"), Json{{"n", 1}});
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_THAT(record->output, ElementsAre(Json{{"n", 1}, {"completed_on", "another thread"}}));
}

TEST_F(PluginExecution, StreamedPiecesReachTheCallerInOrder) {
  auto tokens = std::make_shared<node_testing::TokenCollector>();
  absl::StatusOr<ExecutionRecord> record = host_->Run(
      OneNode("test.stream", "    params: {pieces: [\"Hel\", \"lo\", \"!\"]}\n"), Json::object(),
      tokens);
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_THAT(tokens->Deltas("it"), ElementsAre("Hel", "lo", "!"));
  EXPECT_THAT(record->output, ElementsAre(Json{{"text", "Hello!"}}));
}

TEST_F(PluginExecution, CancellingTheExecutionReachesThePluginNode) {
  auto tokens = std::make_shared<node_testing::TokenCollector>();
  auto running = host_->Start(OneNode("test.wait_for_cancel"), Json::object(), tokens);
  // The node says "waiting" once it has registered for the cancellation.
  for (int i = 0; i < 3000 && tokens->Deltas("it").empty(); ++i) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_THAT(tokens->Deltas("it"), ElementsAre("waiting"));
  running->handle->Cancel(absl::CancelledError("the caller went away"));
  absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*running);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kCancelled) << record->status;
  EXPECT_EQ(record->nodes[0].status, NodeStatus::kCancelled);
}

TEST_F(PluginExecution, ANodeThatNeverCompletesIsBoundedByItsTimeout) {
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(OneNode("test.ignore_everything", "    timeout: 200ms\n"));
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kDeadlineExceeded) << record->status;
  EXPECT_EQ(sdk::ErrorClassOf(record->status), "timeout");
}

TEST_F(PluginExecution, AnExceptionFromExecuteFailsThatNodeNamingIt) {
  absl::StatusOr<ExecutionRecord> record = host_->Run(OneNode("test.throw"));
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kInternal) << record->status;
  EXPECT_THAT(record->status.message(), HasSubstr("test.throw"));
  EXPECT_THAT(record->status.message(), HasSubstr("boom from the plugin"));
  EXPECT_EQ(record->failed_node, "it");
}

TEST_F(PluginExecution, AnExceptionFromAPostedTaskFailsThatNodeNamingIt) {
  absl::StatusOr<ExecutionRecord> record = host_->Run(OneNode("test.throw_in_task"));
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kInternal) << record->status;
  EXPECT_THAT(record->status.message(), HasSubstr("test.throw_in_task"));
  EXPECT_THAT(record->status.message(), HasSubstr("boom in a task"));
}

std::string ChatSettings(E2eHost& host, const std::string& model) {
  return absl::StrCat("    params:\n      url: ", host.fake().base_url(),
                      "/chat/completions\n      model: ", model,
                      "\n      credential: openrouter\n");
}

TEST_F(PluginExecution, APluginRequestGoesThroughTheHostsPooledClient) {
  uint64_t before = host_->http().stats().requests_completed;
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(OneNode("test.chat", ChatSettings(*host_, "fake/ok")));
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  ASSERT_EQ(record->output.size(), 1u);
  EXPECT_EQ(record->output[0]["status"], 200) << record->output[0];
  EXPECT_EQ(host_->http().stats().requests_completed, before + 1);
}

TEST_F(PluginExecution, APluginNodesRecordsAndLogsReachTheHost) {
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(OneNode("test.chat", ChatSettings(*host_, "fake/ok")));
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  const executor::NodeRecord& node = record->nodes[0];
  ASSERT_EQ(node.calls.size(), 1u);
  EXPECT_EQ(node.calls[0].model, "fake/ok");
  EXPECT_EQ(node.calls[0].outcome, "ok");
  EXPECT_EQ(node.calls[0].attempt, 1);
  EXPECT_EQ(node.prompt_tokens, 3);
  EXPECT_EQ(node.completion_tokens, 5);
  EXPECT_DOUBLE_EQ(record->cost_usd, 0.25);
  bool logged = false;
  for (const Json& line : host_->logger().lines()) {
    if (line["message"] == "sending a chat request") {
      logged = true;
      EXPECT_EQ(line["fields"]["model"], "fake/ok") << line;
      EXPECT_EQ(line["fields"]["node"], "it") << line;  // the host adds the node
    }
  }
  EXPECT_TRUE(logged);
}

TEST_F(PluginExecution, CancellingAPluginRequestAbortsItAtTheUpstream) {
  auto running = host_->Start(OneNode("test.chat", ChatSettings(*host_, "fake/hang")),
                              Json::object());
  ASSERT_TRUE(host_->fake().WaitForStats([](const Json& s) { return s["in_flight"] == 1; }).ok());
  running->handle->Cancel(absl::CancelledError("the caller went away"));
  absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*running);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kCancelled) << record->status;
  EXPECT_TRUE(
      host_->fake().WaitForStats([](const Json& s) { return s["requests_aborted"] == 1; }).ok());
  EXPECT_EQ(host_->http().stats().requests_cancelled, 1u);
}

TEST_F(PluginExecution, APluginNodeGetsOnlyTheCredentialItsParametersName) {
  absl::StatusOr<ExecutionRecord> record = host_->Run(OneNode(
      "test.chat", absl::StrCat("    params:\n      url: ", host_->fake().base_url(),
                                "/chat/completions\n      model: fake/ok\n"
                                "      credential: nobody_configured_this\n")));
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kNotFound) << record->status;
  EXPECT_THAT(record->status.message(), HasSubstr("nobody_configured_this"));
}

// ABI 1.1: parameters with nothing to evaluate per run are handed over once, at create.
TEST_F(PluginExecution, StaticParametersAreFixedAndReadOnceAtCreate) {
  absl::StatusOr<ExecutionRecord> record = host_->Run(
      OneNode("test.params", "    params:\n      greeting: hi\n"), Json{{"greeting", "hello"}});
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_THAT(record->output,
              ElementsAre(Json{{"fixed", true}, {"params", Json{{"greeting", "hi"}}}}));
}

TEST_F(PluginExecution, ParametersWithAnExpressionAreEvaluatedPerItemByTheHost) {
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(OneNode("test.params", "    params:\n      greeting: '{{ $json.greeting }}!'\n"),
                 Json{{"greeting", "hello"}});
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_THAT(record->output,
              ElementsAre(Json{{"fixed", false}, {"params", Json{{"greeting", "hello!"}}}}));
}

TEST_F(PluginExecution, AnEscapedBraceIsNotFixedBecauseTheHostDecodesIt) {
  absl::StatusOr<ExecutionRecord> record = host_->Run(
      OneNode("test.params", "    params:\n      greeting: '\\{{ as written }}'\n"),
      Json{{"greeting", "hello"}});
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_THAT(record->output, ElementsAre(Json{{"fixed", false},
                                               {"params", Json{{"greeting", "{{ as written }}"}}}}));
}

// ABI 1.2: a plugin node spends from the execution's cost budget through the host.
TEST_F(PluginExecution, APluginNodeSpendsFromTheExecutionsBudgetAndIsRefusedPastIt) {
  absl::StatusOr<workflow::WorkflowPtr> workflow = host_->Load(R"(
name: budgeted
max_cost_usd: 1
nodes:
  - {name: a, type: test.spend, params: {reserve: 0.5, actual: 0.25}, next: b}
  - {name: b, type: test.spend, params: {reserve: 0.8, actual: 0.1}}
)");
  ASSERT_TRUE(workflow.ok()) << workflow.status();
  absl::StatusOr<ExecutionRecord> record = host_->Run(*workflow);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(record->failed_node, "b");
  EXPECT_THAT(std::string(record->status.message()),
              HasSubstr("workflow 'budgeted' max_cost_usd $1.000000 cannot cover a call's worst "
                        "case of $0.800000: $0.750000 left"));
}

TEST_F(PluginExecution, APluginNodeSeesNoBudgetWhenTheWorkflowHasNone) {
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(OneNode("test.spend", "    params: {reserve: 100, actual: 100}\n"));
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_THAT(record->output, ElementsAre(Json{{"before", nullptr}, {"after", nullptr}}));
}

}  // namespace
}  // namespace flowhost::plugins
