// WatchExecution through the real server (the in-process ServiceHost over gRPC), on a real SQLite
// file and a real PostgreSQL 15: a finished execution's log replayed from the start, a running
// one's recorded events followed by the live ones with no gap and no duplicate at the seam, a
// watcher that reconnects from a sequence number mid-stream, and the errors.
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/service/execution_events.h"
#include "tests/service/service_harness.h"
#include "tests/store/store_backends.h"

namespace flowhost::service::testing {
namespace {

using store::testing::PostgresBackend;
using store::testing::SqliteBackend;
using ::testing::HasSubstr;

// Three nodes, the middle one waiting `pause` (so that a watch can begin while it runs). Under a
// second it waits in memory; longer, it parks the execution (store.durable_wait_threshold).
constexpr char kSteps[] = R"(name: steps
inputs:
  pause: {type: string, default: 1s}
nodes:
  - name: first
    type: set
    params:
      values: {step: one}
    next: pause
  - name: pause
    type: wait
    params:
      duration: "{{ $inputs.pause }}"
    next: last
  - name: last
    type: set
    params:
      values: {step: two}
)";

// What a watch got: the events in order, and how the call ended.
struct WatchedEvents {
  std::vector<v1::WatchExecutionResponse> events;
  grpc::Status status;
};

std::string Kind(const v1::WatchExecutionResponse& response) {
  switch (response.event().event_case()) {
    case v1::StreamWorkflowResponse::kExecutionStarted:
      return "execution_started";
    case v1::StreamWorkflowResponse::kNodeStarted:
      return "node_started:" + response.event().node_started().node();
    case v1::StreamWorkflowResponse::kNodeFinished:
      return "node_finished:" + response.event().node_finished().name();
    case v1::StreamWorkflowResponse::kNodeFailed:
      return "node_failed:" + response.event().node_failed().name();
    case v1::StreamWorkflowResponse::kExecutionFinished:
      return "execution_finished";
    default:
      return "other";
  }
}

std::vector<std::string> Kinds(const std::vector<v1::WatchExecutionResponse>& events) {
  std::vector<std::string> kinds;
  for (const auto& event : events) kinds.push_back(Kind(event));
  return kinds;
}

template <typename Backend>
class WatchExecutionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(backend_.Prepare().ok()); }

  std::unique_ptr<ServiceHarness> StartServer() {
    HarnessOptions options;
    options.open_history = [this]() { return backend_.Open(store::StoreOptions()); };
    std::unique_ptr<ServiceHarness> harness = StartHarness(std::move(options));
    if (harness != nullptr) {
      harness->WriteWorkflow("steps.yaml", kSteps);
      harness->host().store().Rescan();
      EXPECT_NE(harness->host().store().Find("steps"), nullptr);
    }
    return harness;
  }

  static std::string StartSteps(ServiceHarness& harness, const std::string& pause) {
    v1::StartWorkflowRequest request;
    request.set_workflow("steps");
    (*request.mutable_input()->mutable_fields())["pause"].set_string_value(pause);
    v1::StartWorkflowResponse response;
    grpc::Status status =
        harness.stub().StartWorkflow(ServiceHarness::Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.execution_id();
  }

  // Watches `id` from `from`; stops reading after `at_most` events (cancelling the call).
  static WatchedEvents Watch(ServiceHarness& harness, const std::string& id, int64_t from,
                             size_t at_most = SIZE_MAX) {
    v1::WatchExecutionRequest request;
    request.set_execution_id(id);
    request.set_from_sequence(from);
    auto context = ServiceHarness::Context();
    auto reader = harness.stub().WatchExecution(context.get(), request);
    WatchedEvents watched;
    v1::WatchExecutionResponse response;
    while (watched.events.size() < at_most && reader->Read(&response)) {
      watched.events.push_back(response);
    }
    if (watched.events.size() >= at_most) context->TryCancel();
    while (reader->Read(&response)) {
    }
    watched.status = reader->Finish();
    return watched;
  }

  Backend backend_;
};

using WatchBackends = ::testing::Types<SqliteBackend, PostgresBackend>;
class WatchBackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
TYPED_TEST_SUITE(WatchExecutionTest, WatchBackends, WatchBackendNames);

TYPED_TEST(WatchExecutionTest, AWatchFromZeroOfAFinishedExecutionReplaysItsWholeLogAndEnds) {
  std::unique_ptr<ServiceHarness> harness = this->StartServer();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowRequest request;
  request.set_workflow("steps");
  (*request.mutable_input()->mutable_fields())["pause"].set_string_value("0s");
  v1::RunWorkflowResponse run;
  ASSERT_TRUE(harness->stub().RunWorkflow(ServiceHarness::Context().get(), request, &run).ok());

  // The outcome is committed after the reply; the watch ends only after the last event, so it
  // needs no waiting here.
  WatchedEvents watched = this->Watch(*harness, run.execution_id(), 0);
  ASSERT_TRUE(watched.status.ok()) << watched.status.error_message();
  EXPECT_THAT(Kinds(watched.events),
              ::testing::ElementsAre("execution_started", "node_started:first",
                                     "node_finished:first", "node_started:pause",
                                     "node_finished:pause", "node_started:last",
                                     "node_finished:last", "execution_finished"));
  for (size_t i = 0; i < watched.events.size(); ++i) {
    EXPECT_EQ(watched.events[i].sequence(), static_cast<int64_t>(i + 1));
  }
  EXPECT_EQ(watched.events.front().event().execution_started().execution_id(),
            run.execution_id());
  EXPECT_EQ(watched.events.front().event().execution_started().workflow(), "steps");
  const v1::ExecutionFinished& finished = watched.events.back().event().execution_finished();
  EXPECT_EQ(finished.status(), v1::EXECUTION_STATUS_SUCCEEDED);
  ASSERT_EQ(finished.output_items_size(), 1);
  EXPECT_EQ(finished.output_items(0).struct_value().fields().at("step").string_value(), "two");
  EXPECT_EQ(finished.summary().nodes_size(), 3);

  // From the middle: the rest only.
  WatchedEvents rest = this->Watch(*harness, run.execution_id(), 6);
  ASSERT_TRUE(rest.status.ok());
  EXPECT_THAT(Kinds(rest.events), ::testing::ElementsAre("node_started:last",
                                                         "node_finished:last",
                                                         "execution_finished"));
}

// A synchronous run writes its log in one row at its end, with its execution_finished's output
// left to the execution's row (docs/executions.md): a watch afterwards, and one that begins while
// it runs (the held events are written then), both send exactly StreamWorkflow's events.
TYPED_TEST(WatchExecutionTest, WatchesOfAStreamedRunSendTheEventsTheStreamSent) {
  std::unique_ptr<ServiceHarness> harness = this->StartServer();
  ASSERT_NE(harness, nullptr);
  for (bool watch_while_running : {false, true}) {
    SCOPED_TRACE(watch_while_running ? "watched while running" : "watched afterwards");
    v1::StreamWorkflowRequest request;
    request.set_workflow("steps");
    (*request.mutable_input()->mutable_fields())["pause"].set_string_value("400ms");
    auto context = ServiceHarness::Context();
    auto reader = harness->stub().StreamWorkflow(context.get(), request);
    std::vector<v1::StreamWorkflowResponse> streamed;
    v1::StreamWorkflowResponse event;
    ASSERT_TRUE(reader->Read(&event));
    ASSERT_TRUE(event.has_execution_started());
    const std::string id = event.execution_started().execution_id();
    streamed.push_back(event);
    WatchedEvents during;
    if (watch_while_running) during = this->Watch(*harness, id, 0);  // waits for the end
    while (reader->Read(&event)) {
      if (event.has_token_delta()) continue;
      streamed.push_back(event);
    }
    ASSERT_TRUE(reader->Finish().ok());
    ASSERT_TRUE(streamed.back().has_execution_finished());
    ASSERT_EQ(streamed.back().execution_finished().output_items_size(), 1);

    WatchedEvents after = this->Watch(*harness, id, 0);
    ASSERT_TRUE(after.status.ok()) << after.status.error_message();
    std::vector<const WatchedEvents*> watches = {&after};
    if (watch_while_running) {
      ASSERT_TRUE(during.status.ok()) << during.status.error_message();
      watches.push_back(&during);
    }
    for (const WatchedEvents* watched : watches) {
      ASSERT_EQ(watched->events.size(), streamed.size());
      for (size_t i = 0; i < streamed.size(); ++i) {
        EXPECT_EQ(watched->events[i].sequence(), static_cast<int64_t>(i + 1));
        v1::StreamWorkflowResponse logged = watched->events[i].event();
        v1::StreamWorkflowResponse sent = streamed[i];
        // (The stream stamps its execution_started when the call begins, the log when the
        // execution is recorded, a moment later.)
        if (logged.has_execution_started()) logged.mutable_execution_started()->clear_start_time();
        if (sent.has_execution_started()) sent.mutable_execution_started()->clear_start_time();
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(logged, sent))
            << i << ": " << logged.DebugString() << " vs " << sent.DebugString();
      }
    }
  }
}

TYPED_TEST(WatchExecutionTest,
           AWatchOfARunningExecutionGetsTheRecordedThenTheLiveEventsWithNoSeam) {
  std::unique_ptr<ServiceHarness> harness = this->StartServer();
  ASSERT_NE(harness, nullptr);
  std::string id = this->StartSteps(*harness, "900ms");
  ASSERT_FALSE(id.empty());
  // Begins while the wait runs: the first events are read from the store, the rest come live.
  absl::SleepFor(absl::Milliseconds(200));
  absl::Time began = absl::Now();
  WatchedEvents live = this->Watch(*harness, id, 0);
  ASSERT_TRUE(live.status.ok()) << live.status.error_message();
  EXPECT_GT(absl::Now() - began, absl::Milliseconds(500)) << "the watch did not wait for the end";
  EXPECT_THAT(Kinds(live.events),
              ::testing::ElementsAre("execution_started", "node_started:first",
                                     "node_finished:first", "node_started:pause",
                                     "node_finished:pause", "node_started:last",
                                     "node_finished:last", "execution_finished"));
  for (size_t i = 0; i < live.events.size(); ++i) {
    EXPECT_EQ(live.events[i].sequence(), static_cast<int64_t>(i + 1));
  }

  // The same as a replay of the finished execution, event for event.
  WatchedEvents replay = this->Watch(*harness, id, 0);
  ASSERT_TRUE(replay.status.ok());
  ASSERT_EQ(replay.events.size(), live.events.size());
  for (size_t i = 0; i < live.events.size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(replay.events[i],
                                                                   live.events[i]))
        << i << ": " << replay.events[i].DebugString() << " vs " << live.events[i].DebugString();
  }
}

TYPED_TEST(WatchExecutionTest, AWatcherThatReconnectsFromASequenceNumberMissesNothing) {
  std::unique_ptr<ServiceHarness> harness = this->StartServer();
  ASSERT_NE(harness, nullptr);
  std::string id = this->StartSteps(*harness, "900ms");
  ASSERT_FALSE(id.empty());

  // The watcher goes away after three events (mid-stream, while the wait runs)...
  WatchedEvents first = this->Watch(*harness, id, 0, 3);
  ASSERT_EQ(first.events.size(), 3u);
  EXPECT_EQ(first.status.error_code(), grpc::StatusCode::CANCELLED);
  // ...and comes back from the sequence number after the last one it got.
  WatchedEvents second = this->Watch(*harness, id, first.events.back().sequence() + 1);
  ASSERT_TRUE(second.status.ok()) << second.status.error_message();

  std::vector<v1::WatchExecutionResponse> joined = first.events;
  joined.insert(joined.end(), second.events.begin(), second.events.end());
  EXPECT_THAT(Kinds(joined),
              ::testing::ElementsAre("execution_started", "node_started:first",
                                     "node_finished:first", "node_started:pause",
                                     "node_finished:pause", "node_started:last",
                                     "node_finished:last", "execution_finished"));
  for (size_t i = 0; i < joined.size(); ++i) {
    EXPECT_EQ(joined[i].sequence(), static_cast<int64_t>(i + 1));
  }
  // Coming back once more, past the execution_finished it got: nothing is sent twice.
  WatchedEvents third = this->Watch(*harness, id, joined.back().sequence() + 1);
  ASSERT_TRUE(third.status.ok()) << third.status.error_message();
  EXPECT_TRUE(third.events.empty()) << third.events.front().DebugString();
}

// A wait over store.durable_wait_threshold parks the execution in the store (waiting), and the
// server continues it when due: the watch stays open across the park and sees both runs.
TYPED_TEST(WatchExecutionTest, AWatchFollowsAnExecutionParkedOnADurableTimerUntilItEnds) {
  std::unique_ptr<ServiceHarness> harness = this->StartServer();
  ASSERT_NE(harness, nullptr);
  absl::Time began = absl::Now();
  std::string id = this->StartSteps(*harness, "2s");
  ASSERT_FALSE(id.empty());
  // Waiting in the store while the timer runs.
  bool parked = false;
  for (absl::Time give_up = absl::Now() + absl::Seconds(2); !parked && absl::Now() < give_up;) {
    v1::GetExecutionRequest get;
    get.set_execution_id(id);
    v1::GetExecutionResponse got;
    parked = harness->stub().GetExecution(ServiceHarness::Context().get(), get, &got).ok() &&
             got.execution().state() == v1::EXECUTION_STATE_WAITING;
    if (!parked) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(parked) << "the execution was not parked";

  WatchedEvents watched = this->Watch(*harness, id, 0);
  ASSERT_TRUE(watched.status.ok()) << watched.status.error_message();
  EXPECT_GE(absl::Now() - began, absl::Seconds(2));
  EXPECT_THAT(Kinds(watched.events),
              ::testing::ElementsAre("execution_started", "node_started:first",
                                     "node_finished:first", "node_started:pause",
                                     "node_finished:pause", "node_started:pause",
                                     "node_finished:pause", "node_started:last",
                                     "node_finished:last", "execution_finished"));
  ASSERT_EQ(watched.events.size(), 10u);
  // The park cancelled the first run of the wait; the second finished it.
  EXPECT_EQ(watched.events[4].event().node_finished().status(), v1::NODE_STATUS_CANCELLED);
  EXPECT_EQ(watched.events[6].event().node_finished().status(), v1::NODE_STATUS_SUCCEEDED);
  for (size_t i = 0; i < watched.events.size(); ++i) {
    EXPECT_EQ(watched.events[i].sequence(), static_cast<int64_t>(i + 1));
  }
  EXPECT_EQ(watched.events.back().event().execution_finished().status(),
            v1::EXECUTION_STATUS_SUCCEEDED);
  // "first" ran once: the continued execution reused its stored output.
  v1::GetExecutionRequest get;
  get.set_execution_id(id);
  get.set_include_nodes(true);
  v1::GetExecutionResponse got;
  ASSERT_TRUE(harness->stub().GetExecution(ServiceHarness::Context().get(), get, &got).ok());
  EXPECT_EQ(got.execution().state(), v1::EXECUTION_STATE_SUCCEEDED);
  ASSERT_EQ(got.execution().nodes_size(), 3);
  EXPECT_EQ(got.execution().nodes(0).name(), "first");
  EXPECT_EQ(got.execution().nodes(0).attempts(), 1);
  // The log says it parked, then finished once (succeeded): the park is not a cancellation.
  int parked_lines = 0;
  std::vector<std::string> finished_lines;
  for (const std::string& line : harness->log_lines()) {
    if (line.find(id) == std::string::npos) continue;
    if (line.find("execution parked on a durable timer") != std::string::npos) ++parked_lines;
    if (line.find("\"execution finished\"") != std::string::npos) finished_lines.push_back(line);
  }
  EXPECT_EQ(parked_lines, 1);
  ASSERT_EQ(finished_lines.size(), 1u);
  EXPECT_THAT(finished_lines[0], ::testing::HasSubstr("\"status\":\"OK\""));
}

TYPED_TEST(WatchExecutionTest, ACancelledExecutionsWatchEndsWithItsCancellation) {
  std::unique_ptr<ServiceHarness> harness = this->StartServer();
  ASSERT_NE(harness, nullptr);
  std::string id = this->StartSteps(*harness, "60s");
  ASSERT_FALSE(id.empty());
  WatchedEvents first = this->Watch(*harness, id, 0, 4);  // up to the wait's node_started
  ASSERT_EQ(first.events.size(), 4u);
  EXPECT_EQ(Kind(first.events.back()), "node_started:pause");
  v1::CancelExecutionRequest cancel;
  cancel.set_execution_id(id);
  v1::CancelExecutionResponse cancelled;
  ASSERT_TRUE(
      harness->stub().CancelExecution(ServiceHarness::Context().get(), cancel, &cancelled).ok());
  WatchedEvents rest = this->Watch(*harness, id, 5);
  ASSERT_TRUE(rest.status.ok()) << rest.status.error_message();
  ASSERT_FALSE(rest.events.empty());
  ASSERT_TRUE(rest.events.back().event().has_execution_finished());
  EXPECT_EQ(rest.events.back().event().execution_finished().status(),
            v1::EXECUTION_STATUS_CANCELLED);
}

TYPED_TEST(WatchExecutionTest, AnUnknownExecutionIsNotFoundAndABadRequestInvalidArgument) {
  std::unique_ptr<ServiceHarness> harness = this->StartServer();
  ASSERT_NE(harness, nullptr);
  WatchedEvents unknown = this->Watch(*harness, "no-such-execution", 0);
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::NOT_FOUND)
      << unknown.status.error_message();
  EXPECT_THAT(unknown.status.error_message(), HasSubstr("no-such-execution"));
  EXPECT_TRUE(unknown.events.empty());

  WatchedEvents no_id = this->Watch(*harness, "", 0);
  EXPECT_EQ(no_id.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(no_id.status.error_message(), HasSubstr("execution_id"));

  WatchedEvents negative = this->Watch(*harness, "x", -1);
  EXPECT_EQ(negative.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(negative.status.error_message(), HasSubstr("from_sequence"));
}

// The row a synchronous run's events are stored in (execution_events.h): its events come back
// numbered from the first, with their flags; a cut row is DATA_LOSS, not a crash.
TEST(EventBatchTest, EventsComeBackInOrderAndACutBatchIsDataLoss) {
  std::vector<HeldEvent> held = {{"first", false}, {std::string(300, 'x'), false}, {"", true}};
  std::string row = EncodeEventBatch(7, held);
  absl::StatusOr<std::vector<BatchedEvent>> events = DecodeEventBatch(row);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3u);
  for (size_t i = 0; i < held.size(); ++i) {
    EXPECT_EQ((*events)[i].sequence, static_cast<int64_t>(7 + i));
    EXPECT_EQ((*events)[i].payload, held[i].payload);
    EXPECT_EQ((*events)[i].output_in_row, held[i].output_in_row);
  }
  absl::StatusOr<std::vector<BatchedEvent>> cut = DecodeEventBatch(row.substr(0, row.size() - 5));
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeEventBatch("").status().code(), absl::StatusCode::kDataLoss);
}

TEST(WatchExecutionWithoutHistoryTest, AServerWithoutHistoryRefusesWithFailedPrecondition) {
  std::unique_ptr<ServiceHarness> harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::WatchExecutionRequest request;
  request.set_execution_id("any");
  auto context = ServiceHarness::Context();
  auto reader = harness->stub().WatchExecution(context.get(), request);
  v1::WatchExecutionResponse response;
  EXPECT_FALSE(reader->Read(&response));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("no execution history"));
}

}  // namespace
}  // namespace flowhost::service::testing
