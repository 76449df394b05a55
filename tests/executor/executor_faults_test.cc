// Faults stay at the boundary: a node type that throws, in Create, in Execute (before or after it
// completed, or after it started asynchronous work) or in a callback on the scheduler, fails that
// node (INTERNAL, naming it) and nothing else; the next execution runs as usual.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/workflow/loader.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::string ThrowingWorkflow(const std::string& in, const std::string& what) {
  return absl::StrCat(
      "name: throws\nnodes:\n  - name: bad\n    type: test.throw\n    params: {in: ", in,
      ", what: ", what, "}\n");
}

// Runs the workflow twice: the fault of the first run must leave the executor fit for the second.
ExecutionRecord RunTwice(ExecutorHarness& host, const workflow::WorkflowPtr& workflow) {
  ExecutionRecord first = host.RunToEnd(workflow);
  ExecutionRecord second = host.RunToEnd(workflow);
  EXPECT_EQ(first.status, second.status);
  return first;
}

TEST(ExecutorFaults, AnExceptionFromExecuteFailsTheNodeWithInternalNamingIt) {
  ExecutorHarness host;
  auto workflow = host.Load(ThrowingWorkflow("execute", "runtime_error"));
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = RunTwice(host, workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Message(record.status),
            "node 'bad': node type 'test.throw' threw an exception in Execute (a bug in the node "
            "type): std::runtime_error: the test node threw on purpose");
  EXPECT_EQ(record.failed_node, "bad");
  EXPECT_EQ(NodeOf(record, "bad").status, NodeStatus::kFailed);
  EXPECT_THAT(host.scheduler.faults(), IsEmpty());
}

TEST(ExecutorFaults, ARealJsonTypeErrorFromExecuteIsAnInternalErrorNotACrash) {
  ExecutorHarness host;
  auto workflow = host.Load(ThrowingWorkflow("execute", "json_type_error"));
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = RunTwice(host, workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(record.status), StartsWith("node 'bad': node type 'test.throw' threw"));
  EXPECT_THAT(Message(record.status), HasSubstr("type_error"));
  EXPECT_THAT(Message(record.status), HasSubstr("type must be number, but is string"));
}

TEST(ExecutorFaults, AJsonOutOfRangeFromAtIsAnInternalError) {
  ExecutorHarness host;
  auto workflow = host.Load(ThrowingWorkflow("execute", "json_out_of_range"));
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = RunTwice(host, workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(record.status), HasSubstr("key 'missing' not found"));
}

TEST(ExecutorFaults, AnExceptionThatIsNotAStdExceptionNamesItsType) {
  ExecutorHarness host;
  auto workflow = host.Load(ThrowingWorkflow("execute", "non_std"));
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = RunTwice(host, workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(record.status), HasSubstr("an exception of type int"));
}

TEST(ExecutorFaults, AThrowAfterDoneKeepsTheResultAndIsLogged) {
  ExecutorHarness host;
  auto workflow = host.Load(ThrowingWorkflow("after_done", "runtime_error"));
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = RunTwice(host, workflow);
  EXPECT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(NodeOf(record, "bad").status, NodeStatus::kSucceeded);
  EXPECT_EQ(NodeOf(record, "bad").attempts, 1);
  bool logged = false;
  for (const RecordingLogger::Line& line : host.logger.lines()) {
    if (line.message.find("after its attempt had ended") != std::string::npos) {
      logged = true;
      EXPECT_EQ(line.fields.value("node", ""), "bad");
      EXPECT_THAT(line.fields.value("exception", ""), HasSubstr("threw on purpose"));
    }
  }
  EXPECT_TRUE(logged);
}

TEST(ExecutorFaults, AThrowAfterStartingAsyncWorkFailsOnceAndTheLateCompletionIsIgnored) {
  ExecutorHarness host;
  auto workflow = host.Load(ThrowingWorkflow("after_async", "runtime_error"));
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = RunTwice(host, workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(record.status), HasSubstr("threw an exception in Execute"));
  EXPECT_EQ(NodeOf(record, "bad").attempts, 1);
  host.Settle();  // the late `done` has run by now, and changed nothing
  EXPECT_THAT(host.scheduler.faults(), IsEmpty());
}

TEST(ExecutorFaults, AThrowingCallbackOnTheSchedulerFailsItsNodeAndTheSchedulerCarriesOn) {
  ExecutorHarness host;
  auto workflow = host.Load(ThrowingWorkflow("callback", "json_type_error"));
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = RunTwice(host, workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(record.status),
              StartsWith("node 'bad': a callback of node type 'test.throw' threw an exception"));
  EXPECT_THAT(Message(record.status), HasSubstr("type must be number, but is string"));
  EXPECT_EQ(host.scheduler.faults().size(), 2u);  // one per run
}

TEST(ExecutorFaults, AThrowingNodeUnderOnErrorContinueBecomesAnErrorItem) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: contained
nodes:
  - name: bad
    type: test.throw
    on_error: continue
    next: after
  - {name: after, type: noop}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(NodeOf(record, "after").status, NodeStatus::kSucceeded);
}

TEST(ExecutorFaults, AnExceptionFromCreateIsALocatedLoadErrorNamingTheNode) {
  ExecutorHarness host;
  workflow::LoadResult result = workflow::LoadWorkflow(
      "throws.yaml", ThrowingWorkflow("create", "json_type_error"), host.registry);
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u);
  std::string text = result.diagnostics[0].ToString();
  EXPECT_THAT(text, StartsWith("throws.yaml:3:5: error: "));
  EXPECT_THAT(text, HasSubstr("node 'bad': node type 'test.throw' threw an exception while "
                              "building it (Create) (a bug in the node type): "));
  EXPECT_THAT(text, HasSubstr("type must be number, but is string"));
  // And the registry and loader are fine afterwards.
  EXPECT_TRUE(
      workflow::LoadWorkflow("ok.yaml", ThrowingWorkflow("execute", "non_std"), host.registry)
          .ok());
}

TEST(ExecutorFaults, ANonStdExceptionFromCreateIsALoadError) {
  ExecutorHarness host;
  workflow::LoadResult result =
      workflow::LoadWorkflow("throws.yaml", ThrowingWorkflow("create", "non_std"), host.registry);
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_THAT(result.diagnostics[0].ToString(), HasSubstr("an exception of type int"));
}

}  // namespace
}  // namespace flowhost::executor::testing
