// The executor on the real worker pool: ten thousand executions, each waiting on a `wait` node, are
// in flight at once on a two-thread pool, all succeed, and the process never gains a thread.
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "nodes/core/core_nodes.h"
#include "server/common/thread_pool_scheduler.h"
#include "server/executor/executor.h"
#include "server/registry/node_type_registry.h"
#include "server/workflow/loader.h"

namespace flowhost::executor {
namespace {

// The number of threads in this process, from /proc (Linux).
int ProcessThreads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

TEST(ExecutorThreadPool, TenThousandWaitingExecutionsRunOnAFixedPoolWithoutNewThreads) {
  constexpr int kExecutions = 10'000;
  registry::NodeTypeRegistry registry;
  ASSERT_TRUE(nodes::core::RegisterCoreNodes(registry).ok());
  workflow::LoadResult loaded = workflow::LoadWorkflow("<test>", R"(
name: napping
inputs:
  n: {type: integer}
nodes:
  - {name: nap, type: wait, params: {duration: 200ms}, next: tag}
  - {name: tag, type: set, params: {values: {done: "{{ $json.n }}"}}}
)",
                                                       registry);
  ASSERT_TRUE(loaded.ok()) << workflow::FormatDiagnostics(loaded.diagnostics);

  common::ThreadPoolScheduler pool(2);
  HostServices services;
  services.scheduler = &pool;
  Executor executor(std::move(services), ExecutionLimits{});
  const int threads_before = ProcessThreads();
  ASSERT_GT(threads_before, 0);

  absl::Mutex mu;
  int finished = 0;
  int succeeded = 0;
  size_t peak_in_flight = 0;
  absl::Time started = absl::Now();
  for (int i = 0; i < kExecutions; ++i) {
    ExecutionRequest request;
    request.workflow = loaded.workflow;
    request.inputs = {{"n", i}};
    executor.Start(std::move(request), [&mu, &finished, &succeeded, i](ExecutionRecord record) {
      bool ok = record.status.ok() && record.output.size() == 1 && record.output[0]["done"] == i;
      absl::MutexLock lock(&mu);
      ++finished;
      if (ok) ++succeeded;
    });
    peak_in_flight = std::max(peak_in_flight, executor.in_flight());
  }
  const int threads_during = ProcessThreads();
  std::cout << "peak in flight " << peak_in_flight << ", started in "
            << absl::FormatDuration(absl::Now() - started) << "\n";

  absl::MutexLock lock(&mu);
  bool all_done =
      mu.AwaitWithTimeout(absl::Condition(
                              +[](int* count) { return *count == kExecutions; }, &finished),
                          absl::Seconds(120));
  ASSERT_TRUE(all_done) << finished << " of " << kExecutions << " finished";
  EXPECT_EQ(succeeded, kExecutions);
  EXPECT_EQ(threads_during, threads_before);
  EXPECT_EQ(ProcessThreads(), threads_before);
  // Most of them waited at the same time (each waits 200ms; starting them all takes far less on any
  // machine this runs on, but the assertion only needs them to overlap at all).
  EXPECT_GT(peak_in_flight, 1u);
  EXPECT_EQ(executor.in_flight(), 0u);
}

TEST(ExecutorThreadPool, CancellingHalfTheExecutionsMidFlightFinishesEachExactlyOnce) {
  constexpr int kExecutions = 1'000;
  registry::NodeTypeRegistry registry;
  ASSERT_TRUE(nodes::core::RegisterCoreNodes(registry).ok());
  workflow::LoadResult loaded = workflow::LoadWorkflow("<test>", R"(
name: fan_in
inputs:
  n: {type: integer}
nodes:
  - {name: source, type: noop, next: [short, long]}
  - {name: short, type: wait, params: {duration: 20ms}, next: "join:0"}
  - name: long
    type: wait
    params: {duration: "{{ $inputs.n % 2 == 0 ? '1h' : '50ms' }}"}
    next: "join:1"
  - {name: join, type: merge, params: {mode: combine_by_position}, next: tag}
  - {name: tag, type: set, params: {values: {done: "{{ $json.n }}"}}}
)",
                                                       registry);
  ASSERT_TRUE(loaded.ok()) << workflow::FormatDiagnostics(loaded.diagnostics);

  common::ThreadPoolScheduler pool(2);
  HostServices services;
  services.scheduler = &pool;
  Executor executor(std::move(services), ExecutionLimits{});

  absl::Mutex mu;
  std::vector<int> completions(kExecutions, 0);
  std::vector<absl::StatusCode> codes(kExecutions, absl::StatusCode::kUnknown);
  int finished = 0;
  std::vector<std::shared_ptr<ExecutionHandle>> handles;
  for (int i = 0; i < kExecutions; ++i) {
    ExecutionRequest request;
    request.workflow = loaded.workflow;
    request.inputs = {{"n", i}};
    handles.push_back(executor.Start(std::move(request), [&, i](ExecutionRecord record) {
      absl::MutexLock lock(&mu);
      ++completions[i];
      codes[i] = record.status.code();
      ++finished;
    }));
    // The even ones would wait an hour: cancel them at once, racing their start on the pool.
    if (i % 2 == 0) handles[i]->Cancel(absl::CancelledError("stop"));
  }
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(
                                      +[](int* count) { return *count == kExecutions; }, &finished),
                                  absl::Seconds(120)));
  for (int i = 0; i < kExecutions; ++i) {
    EXPECT_EQ(completions[i], 1) << i;
    EXPECT_EQ(codes[i], i % 2 == 0 ? absl::StatusCode::kCancelled : absl::StatusCode::kOk) << i;
  }
  EXPECT_EQ(executor.in_flight(), 0u);
}

// An executor on a one-thread pool whose only worker is held busy until release(): nothing posted
// to the pool runs before then, so whatever ran must have run on the caller's thread.
class BlockedPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(nodes::core::RegisterCoreNodes(registry_).ok());
    pool_.Post([this] {
      blocked_.Notify();
      release_.WaitForNotification();
    });
    blocked_.WaitForNotification();
  }
  void TearDown() override {
    if (!release_.HasBeenNotified()) release_.Notify();
  }

  // Starts `yaml` with start_on_caller_thread; `done` receives the record.
  std::shared_ptr<ExecutionHandle> StartInline(std::string_view yaml,
                                               absl::AnyInvocable<void(ExecutionRecord)> done) {
    workflow::LoadResult loaded = workflow::LoadWorkflow("<test>", std::string(yaml), registry_);
    EXPECT_TRUE(loaded.ok()) << workflow::FormatDiagnostics(loaded.diagnostics);
    ExecutionRequest request;
    request.workflow = loaded.workflow;
    request.start_on_caller_thread = true;
    return executor_.Start(std::move(request), std::move(done));
  }
  void release() { release_.Notify(); }

  registry::NodeTypeRegistry registry_;
  // Declared before the pool, so they outlive its worker (the pool's destructor joins it).
  absl::Notification blocked_, release_;
  common::ThreadPoolScheduler pool_{1};
  Executor executor_{MakeServices(pool_), ExecutionLimits{}};

  static HostServices MakeServices(common::ThreadPoolScheduler& pool) {
    HostServices services;
    services.scheduler = &pool;
    return services;
  }
};

TEST_F(BlockedPoolTest, StartOnCallerThreadRunsAQuickExecutionInsideStartButNeverItsDone) {
  // `set` completes inside its Execute, so the execution ends inside Start; `done` still waits
  // for the pool.
  absl::Notification finished;
  ExecutionRecord result;
  StartInline(R"(
name: inline_start
nodes:
  - {name: first, type: set, params: {values: {seen: true}}}
)",
              [&](ExecutionRecord record) {
                result = std::move(record);
                finished.Notify();
              });
  EXPECT_EQ(executor_.in_flight(), 0u) << "the execution finished inside Start";
  EXPECT_FALSE(finished.HasBeenNotified()) << "done never runs inside Start";
  release();
  ASSERT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_TRUE(result.status.ok()) << result.status;
  ASSERT_EQ(result.output.size(), 1u);
  EXPECT_EQ(result.output[0]["seen"], true);
}

TEST_F(BlockedPoolTest, StartOnCallerThreadHasTheFirstNodeStartedWhenStartReturns) {
  absl::Notification finished;
  absl::StatusCode code = absl::StatusCode::kUnknown;
  std::vector<NodeStatus> statuses;
  std::shared_ptr<ExecutionHandle> handle = StartInline(R"(
name: inline_wait
nodes:
  - {name: nap, type: wait, params: {duration: 1h}}
)",
                                                        [&](ExecutionRecord record) {
                                                          code = record.status.code();
                                                          for (const NodeRecord& node : record.nodes) {
                                                            statuses.push_back(node.status);
                                                          }
                                                          finished.Notify();
                                                        });
  // Posted to the blocked pool, the node would not have started: it would end "not run".
  handle->Cancel(absl::CancelledError("enough"));
  release();
  ASSERT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(code, absl::StatusCode::kCancelled);
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0], NodeStatus::kCancelled) << "the node had started before Cancel";
}

}  // namespace
}  // namespace flowhost::executor
