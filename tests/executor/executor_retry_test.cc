// Retries: the back-off schedule (exact, with injected jitter), Retry-After, which failures are
// retried, and the deadline that cuts retries short.
#include <deque>

#include "absl/strings/str_format.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::HasSubstr;

// Unit draws handed out in order (then 0.5).
std::function<double()> Draws(std::deque<double> draws) {
  auto queue = std::make_shared<std::deque<double>>(std::move(draws));
  return [queue] {
    if (queue->empty()) return 0.5;
    double draw = queue->front();
    queue->pop_front();
    return draw;
  };
}

std::vector<absl::Duration> StartOffsets(const ExecutorHarness& host, absl::Time origin) {
  std::vector<absl::Duration> offsets;
  for (const auto& start : host.nodes->Starts()) offsets.push_back(start.at - origin);
  return offsets;
}

TEST(ExecutorRetry, RetriesFollowTheExponentialBackoffWithInjectedJitter) {
  // Jitter 0.5 scales each delay by 1 - 0.5 + 2 * 0.5 * draw: draws 0, 1, 0.5 give 0.5x, 1.5x, 1x.
  ExecutorHarness host({}, Draws({0.0, 1.0, 0.5}));
  auto workflow = host.Load(R"(
name: retry
nodes:
  - name: call
    type: test.flaky
    params: {failures: 3}
    retry: {attempts: 4, initial_backoff: 1s, max_backoff: 10s, multiplier: 2, jitter: 0.5}
)");
  ASSERT_NE(workflow, nullptr);
  absl::Time origin = host.clock.Now();
  std::shared_ptr<StartedRun> run = host.Start(workflow);
  host.Settle();
  EXPECT_EQ(host.nodes->Starts().size(), 1u);
  // The second attempt starts exactly 0.5s (1s * 0.5) after the first failed, not a moment sooner.
  host.scheduler.AdvanceBy(absl::Milliseconds(500) - absl::Nanoseconds(1));
  EXPECT_EQ(host.nodes->Starts().size(), 1u);
  host.scheduler.AdvanceBy(absl::Nanoseconds(1));
  EXPECT_EQ(host.nodes->Starts().size(), 2u);
  host.scheduler.AdvanceBy(absl::Seconds(10));
  ASSERT_TRUE(run->finished());
  ASSERT_TRUE(run->record->status.ok()) << run->record->status;
  // 2s * 1.5 = 3s after the second, 4s * 1 = 4s after the third.
  EXPECT_THAT(StartOffsets(host, origin),
              ::testing::ElementsAre(absl::ZeroDuration(), absl::Milliseconds(500),
                                     absl::Milliseconds(3500), absl::Milliseconds(7500)));
  EXPECT_EQ(NodeOf(*run->record, "call").attempts, 4);
  EXPECT_EQ(NodeOf(*run->record, "call").status, NodeStatus::kSucceeded);
}

TEST(ExecutorRetry, BackoffIsCappedAtMaxBackoff) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: capped
nodes:
  - name: call
    type: test.flaky
    params: {failures: 3}
    retry: {attempts: 4, initial_backoff: 2s, max_backoff: 3s, multiplier: 10, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  absl::Time origin = host.clock.Now();
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(StartOffsets(host, origin),
              ::testing::ElementsAre(absl::ZeroDuration(), absl::Seconds(2), absl::Seconds(5),
                                     absl::Seconds(8)));
}

// When a node that fails once with `retry_after` (seconds) starts each of its two attempts.
std::vector<absl::Duration> StartsAfterARateLimit(ExecutionLimits limits, int64_t retry_after) {
  ExecutorHarness host(limits);
  auto workflow = host.Load(absl::StrFormat(R"(
name: retry_after
nodes:
  - name: call
    type: test.flaky
    params: {failures: 1, error_class: rate_limited, retry_after: %d}
    retry: {attempts: 2, initial_backoff: 1s, jitter: 0}
)",
                                            retry_after));
  if (workflow == nullptr) return {};
  absl::Time origin = host.clock.Now();
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_TRUE(record.status.ok()) << record.status;
  return StartOffsets(host, origin);
}

TEST(ExecutorRetry, ALongerRetryAfterFromTheErrorWins) {
  EXPECT_THAT(StartsAfterARateLimit({}, 5),
              ::testing::ElementsAre(absl::ZeroDuration(), absl::Seconds(5)));
}

TEST(ExecutorRetry, ARetryAfterBeyondTheHostsCeilingIsCutToIt) {
  ExecutionLimits limits;
  limits.max_execution_time = absl::Hours(1);
  limits.max_retry_after = absl::Seconds(30);  // http.max_retry_after
  EXPECT_THAT(StartsAfterARateLimit(limits, 999999999),
              ::testing::ElementsAre(absl::ZeroDuration(), absl::Seconds(30)));
}

TEST(ExecutorRetry, PermanentFailuresAreNotRetried) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: permanent
nodes:
  - name: call
    type: test.flaky
    params: {failures: 5, error_class: invalid_input}
    retry: {attempts: 5, initial_backoff: 1s}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "invalid_input");
  EXPECT_EQ(NodeOf(record, "call").attempts, 1);
  EXPECT_EQ(record.failed_node, "call");
}

TEST(ExecutorRetry, WhenAttemptsRunOutTheLastErrorIsReported) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: exhausted
nodes:
  - name: call
    type: test.flaky
    params: {failures: 10, error_class: upstream}
    retry: {attempts: 3, initial_backoff: 100ms, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "upstream");
  EXPECT_THAT(std::string(record.status.message()), HasSubstr("node 'call': flaky failure 3"));
  EXPECT_EQ(NodeOf(record, "call").attempts, 3);
  EXPECT_EQ(NodeOf(record, "call").status, NodeStatus::kFailed);
  EXPECT_THAT(std::string(NodeOf(record, "call").error.message()), HasSubstr("flaky failure 3"));
}

TEST(ExecutorRetry, NoRetryIsScheduledPastTheExecutionDeadline) {
  ExecutionLimits limits;
  limits.max_execution_time = absl::Seconds(2);
  ExecutorHarness host(limits);
  auto workflow = host.Load(R"(
name: late
nodes:
  - name: call
    type: test.flaky
    params: {failures: 1}
    retry: {attempts: 3, initial_backoff: 5s, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  absl::Time origin = host.clock.Now();
  ExecutionRecord record = host.RunToEnd(workflow);
  // The node's own error, reported at once rather than after a pointless wait.
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "upstream");
  EXPECT_EQ(NodeOf(record, "call").attempts, 1);
  EXPECT_EQ(record.finished_at, origin);
  bool logged = false;
  for (const auto& line : host.logger.lines()) {
    logged |= line.message == "not retrying: the deadline comes first";
  }
  EXPECT_TRUE(logged);
}

TEST(ExecutorRetry, EachRetryIsLoggedWithItsDelay) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: logged
nodes:
  - name: call
    type: test.flaky
    params: {failures: 1}
    retry: {attempts: 2, initial_backoff: 250ms, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  std::vector<sdk::Json> retries;
  for (const auto& line : host.logger.lines()) {
    if (line.message == "node attempt failed; retrying") retries.push_back(line.fields);
  }
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0]["node"], "call");
  EXPECT_EQ(retries[0]["attempt"], 1);
  EXPECT_EQ(retries[0]["delay_ms"], 250);
  EXPECT_EQ(retries[0]["execution"], record.id);
  EXPECT_EQ(retries[0]["workflow"], "logged");
}

}  // namespace
}  // namespace flowhost::executor::testing
