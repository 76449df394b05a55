// Every attempt that reached the network is in the execution record (issue 12, defect 6), counted
// against the requests the fake OpenRouter saw: node timeouts with retries, the execution's time
// limit, a caller's cancellation, and a stream cut short, each through the real executor and
// CurlHttpClient.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/testing/e2e_host.h"

namespace flowhost::nodes::openrouter {
namespace {

using executor::ExecutionRecord;
using node_testing::E2eHost;
using node_testing::TokenCollector;
using sdk::Json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "attempt:outcome" of each call of the record's first node.
std::vector<std::string> Calls(const ExecutionRecord& record) {
  std::vector<std::string> calls;
  for (const sdk::AttemptRecord& call : record.nodes.at(0).calls) {
    calls.push_back(absl::StrCat(call.attempt, ":", call.outcome));
  }
  return calls;
}

std::string ChatWorkflow(const std::string& model, const std::string& node_settings) {
  return absl::StrCat(R"(
name: ask
nodes:
  - name: chat
    type: openrouter.chat
)",
                      node_settings, R"(
    params:
      model: )",
                      model, R"(
      prompt: "hello?"
)");
}

class AttemptsEndToEnd : public ::testing::Test {
 protected:
  void StartHost(E2eHost::Options options = {}) {
    absl::StatusOr<std::unique_ptr<E2eHost>> host = E2eHost::Create(std::move(options));
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
  }

  workflow::WorkflowPtr Load(const std::string& yaml) {
    absl::StatusOr<workflow::WorkflowPtr> workflow = host_->Load(yaml);
    EXPECT_TRUE(workflow.ok()) << workflow.status();
    return workflow.ok() ? *workflow : nullptr;
  }

  // Chat requests the fake received, once every transfer it saw has ended.
  int64_t ChatRequestsAtTheFake() {
    EXPECT_TRUE(host_->fake().WaitForStats([](const Json& s) { return s["in_flight"] == 0; }).ok());
    absl::StatusOr<Json> stats = host_->fake().Stats();
    EXPECT_TRUE(stats.ok());
    return stats.ok() ? (*stats)["chat_requests"].get<int64_t>() : -1;
  }

  std::unique_ptr<E2eHost> host_;
};

TEST_F(AttemptsEndToEnd, EveryTimedOutAttemptOfARetriedNodeIsInTheRecord) {
  StartHost();
  workflow::WorkflowPtr workflow = Load(ChatWorkflow("fake/hang", R"(
    timeout: 300ms
    retry: {attempts: 3, initial_backoff: 10ms, jitter: 0}
)"));
  absl::StatusOr<ExecutionRecord> record = host_->Run(workflow);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kDeadlineExceeded) << record->status;
  EXPECT_EQ(record->nodes[0].attempts, 3);
  EXPECT_THAT(Calls(*record), ElementsAre("1:timed_out", "2:timed_out", "3:timed_out"));
  for (const sdk::AttemptRecord& call : record->nodes[0].calls) {
    EXPECT_EQ(call.error_class, "timeout");
    EXPECT_THAT(call.error_message, HasSubstr("timed out after 300ms"));  // the node's own reason
    EXPECT_EQ(call.model, "fake/hang");
  }
  EXPECT_EQ(ChatRequestsAtTheFake(), 3);
}

TEST_F(AttemptsEndToEnd, TheCallsInFlightWhenTheExecutionTimeLimitStrikesAreInTheRecord) {
  E2eHost::Options options;
  options.limits.max_execution_time = absl::Seconds(1);
  StartHost(options);
  workflow::WorkflowPtr workflow = Load(R"(
name: fan_out
inputs:
  questions: {type: array}
nodes:
  - {name: split, type: split_out, params: {field: questions, destination: q}, next: chat}
  - name: chat
    type: openrouter.chat
    params: {model: fake/hang, prompt: "{{ $json.q }}", concurrency: 3}
)");
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(workflow, {{"questions", Json::array({"a", "b", "c"})}});
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kDeadlineExceeded) << record->status;
  const executor::NodeRecord& chat = record->nodes[1];
  EXPECT_EQ(chat.status, executor::NodeStatus::kCancelled);
  ASSERT_EQ(chat.calls.size(), 3u);
  for (const sdk::AttemptRecord& call : chat.calls) {
    EXPECT_EQ(call.outcome, "timed_out");
    EXPECT_EQ(call.attempt, 1);
    EXPECT_THAT(call.error_message, HasSubstr("max_execution_time (1s)"));
  }
  EXPECT_EQ(ChatRequestsAtTheFake(), 3);
}

TEST_F(AttemptsEndToEnd, ACancelledExecutionRecordsItsCallAsCancelled) {
  StartHost();
  workflow::WorkflowPtr workflow = Load(ChatWorkflow("fake/hang", ""));
  auto running = host_->Start(workflow, Json::object());
  ASSERT_TRUE(host_->fake().WaitForStats([](const Json& s) { return s["in_flight"] == 1; }).ok());
  running->handle->Cancel(absl::CancelledError("the caller went away"));
  absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*running);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(Calls(*record), ElementsAre("1:cancelled"));
  EXPECT_THAT(record->nodes[0].calls[0].error_message, HasSubstr("the caller went away"));
  EXPECT_EQ(ChatRequestsAtTheFake(), 1);
}

TEST_F(AttemptsEndToEnd, AStreamCutShortByTheTimeoutIsInTheRecord) {
  StartHost();
  auto tokens = std::make_shared<TokenCollector>();
  // fake/drip streams 10 chunks 100 ms apart, a second in all: longer than the timeout.
  workflow::WorkflowPtr workflow = Load(ChatWorkflow("fake/drip", "    timeout: 350ms\n"));
  absl::StatusOr<ExecutionRecord> record = host_->Run(workflow, Json::object(), tokens);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kDeadlineExceeded) << record->status;
  EXPECT_THAT(Calls(*record), ElementsAre("1:timed_out"));
  EXPECT_EQ(ChatRequestsAtTheFake(), 1);
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
