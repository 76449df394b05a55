// What parameters see (the names of the expression language, bound by the executor), how evaluated
// parameters are checked against the node type's schema, and attached nodes run through InvokeNode.
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ExecutorParameters, ExpressionsSeeItemInputsVarsEnvExecutionAndUpstreamNodes) {
  ExecutorHarness host({}, [] { return 0.5; }, {{"REGION", "eu-west"}});
  auto workflow = host.Load(R"(
name: names
inputs:
  who: {type: string}
  list: {type: array}
vars:
  greeting: hello
nodes:
  - {name: first, type: set, params: {values: {tag: "from-first"}}, next: explode}
  - {name: explode, type: split_out, params: {field: list, destination: n}, next: show}
  - name: show
    type: test.echo
    params:
      value:
        json: "{{ $json.n }}"
        index: "{{ $itemIndex }}"
        who: "{{ $inputs.who }}"
        greeting: "{{ $vars.greeting }}"
        region: "{{ $env.REGION }}"
        home: "{{ $env.HOME }}"
        workflow: "{{ $execution.workflow }}"
        id: "{{ $execution.id }}"
        upstream: '{{ $("first").first().tag }}'
        inputs_seen: "{{ length($input.all()) }}"
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"who", "ann"}, {"list", {7, 8}}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  ASSERT_EQ(record.output.size(), 2u);
  sdk::Json expected = {{"json", 7},           {"index", 0},          {"who", "ann"},
                        {"greeting", "hello"}, {"region", "eu-west"}, {"home", nullptr},
                        {"workflow", "names"}, {"id", record.id},     {"upstream", "from-first"},
                        {"inputs_seen", 2}};
  EXPECT_EQ(record.output[0]["value"], expected);
  expected["json"] = 8;
  expected["index"] = 1;
  EXPECT_EQ(record.output[1]["value"], expected);
}

TEST(ExecutorParameters, EvaluatedParametersOfTheWrongTypeFailNamingTheParameter) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: mistyped
inputs:
  word: {type: string}
nodes:
  - {name: show, type: test.echo, params: {count: "{{ $json.word }}"}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"word", "ten"}});
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "invalid_input");
  EXPECT_EQ(Message(record.status),
            "node 'show': parameter 'count': expected integer, got string \"ten\"");
}

TEST(ExecutorParameters, AConditionThatIsNotABooleanFailsTheIfNode) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: truthy
inputs:
  name: {type: string}
nodes:
  - {name: check, type: if, params: {condition: "{{ $json.name }}"}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"name", "ann"}});
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(record.status), HasSubstr("parameter 'condition': expected boolean"));
}

TEST(ExecutorParameters, AnExpressionErrorFailsTheNodeWithInvalidInput) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: broken
inputs:
  n: {type: integer}
nodes:
  - {name: show, type: test.echo, params: {value: "{{ $json.n / 0 }}"}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"n", 1}});
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "invalid_input");
  EXPECT_THAT(Message(record.status), HasSubstr("node 'show'"));
}

TEST(ExecutorParameters, StaticParametersReachTheNodeWithSchemaDefaults) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: defaults
nodes:
  - {name: merge_it, type: merge, next: show}
  - {name: show, type: test.echo, params: {value: fixed}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json{{"value", "fixed"}}));
}

TEST(ExecutorAttachedNodes, InvokeNodeRunsAnAttachedNodeWithItsOwnRetrySettings) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: invoking
nodes:
  - {name: caller, type: test.invoke, params: {target: helper}}
  - name: helper
    type: test.flaky
    params: {failures: 1}
    retry: {attempts: 2, initial_backoff: 1s, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  absl::Time t0 = host.clock.Now();
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json::object()));
  const NodeRecord& helper = NodeOf(record, "helper");
  EXPECT_EQ(helper.attempts, 2);
  EXPECT_EQ(helper.status, NodeStatus::kSucceeded);
  EXPECT_EQ(helper.items_in, 1u);
  EXPECT_EQ(helper.finished_at - t0, absl::Seconds(1));
}

TEST(ExecutorAttachedNodes, AnAttachedNodesFailureGoesBackToTheCaller) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: invoking_failure
nodes:
  - {name: caller, type: test.invoke, params: {target: helper}}
  - {name: helper, type: fail, params: {message: "helper failed"}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.failed_node, "caller");
  EXPECT_EQ(Message(record.status), "node 'caller': helper failed");
  EXPECT_EQ(NodeOf(record, "helper").status, NodeStatus::kFailed);
}

TEST(ExecutorAttachedNodes, AnAttachedNodeTimesOutOnItsOwnTimeout) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: invoking_timeout
nodes:
  - {name: caller, type: test.invoke, params: {target: helper}}
  - {name: helper, type: test.hold, timeout: 4s}
)");
  ASSERT_NE(workflow, nullptr);
  absl::Time t0 = host.clock.Now();
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(record.finished_at - t0, absl::Seconds(4));
  EXPECT_TRUE(host.nodes->SawCancel("helper"));
}

}  // namespace
}  // namespace flowhost::executor::testing
