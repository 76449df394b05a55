// The hub's side of the worker protocol without gRPC (hub_harness.h): results that arrive batched
// count exactly as if they had come one by one, old-style single messages still do, and a batch
// that breaks the protocol loses the session with a clear error.
#include "server/remote/worker_hub.h"

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/remote/hub_harness.h"

namespace flowhost::remote {
namespace {

namespace pb = plugin::v1;
using remote_testing::FakeWorkerStream;
using remote_testing::HubHarness;
using ::testing::HasSubstr;
using ::testing::SizeIs;

pb::WorkerMessage Outputs(const std::string& work_id, const std::string& item_json) {
  pb::WorkerMessage message;
  message.mutable_result()->set_work_id(work_id);
  message.mutable_result()->mutable_outputs()->add_ports()->add_items_json(item_json);
  return message;
}

pb::WorkerMessage Failure(const std::string& work_id, const std::string& error_class) {
  pb::WorkerMessage message;
  message.mutable_result()->set_work_id(work_id);
  message.mutable_result()->mutable_error()->set_error_class(error_class);
  message.mutable_result()->mutable_error()->set_message("it failed");
  message.mutable_result()->mutable_error()->set_code(14);
  return message;
}

pb::WorkerMessage Batch(std::vector<pb::WorkerMessage> messages) {
  pb::WorkerMessage batch;
  for (pb::WorkerMessage& message : messages) {
    *batch.mutable_batch()->add_messages() = std::move(message);
  }
  return batch;
}

TEST(WorkerHubProtocol, TheHostSaysItTakesBatches) {
  HubHarness harness;
  FakeWorkerStream& worker = harness.Connect(1, /*accepts_batches=*/false);
  ASSERT_THAT(worker.sent, SizeIs(1));
  EXPECT_TRUE(worker.sent[0].accepted().accepts_batches());
}

TEST(WorkerHubProtocol, ABatchOfResultsAnswersEachRunAsSingleResultsWould) {
  HubHarness harness;
  for (int i = 0; i < 3; ++i) harness.Submit(1);
  FakeWorkerStream& worker = harness.Connect(3);
  std::vector<pb::Assignment> assignments = worker.Assignments();
  ASSERT_THAT(assignments, SizeIs(3));
  EXPECT_EQ(assignments[0].work_id(), "w1");

  harness.hub().OnWorkerMessage(
      &worker,
      Batch({Outputs("w1", R"({"n":1})"), Failure("w2", "upstream"), Outputs("w3", R"({"n":3})")}));
  harness.scheduler().RunUntilIdle();
  auto& runs = harness.runs();
  for (const auto& run : runs) EXPECT_EQ(run->done_calls, 1);
  ASSERT_TRUE(runs[0]->result->ok()) << runs[0]->result->status();
  EXPECT_EQ((**runs[0]->result).outputs[0][0]["n"], 1);
  EXPECT_EQ(sdk::ErrorClassOf(runs[1]->result->status()), "upstream");
  ASSERT_TRUE(runs[2]->result->ok()) << runs[2]->result->status();
  EXPECT_FALSE(worker.closed);
  // Each result gave its credit back.
  EXPECT_EQ(harness.hub().Workers()[0].credits_free, 3);
  EXPECT_EQ(harness.hub().Workers()[0].in_flight, 0);
}

TEST(WorkerHubProtocol, AnOldStyleWorkerSendingOneMessageAtATimeIsServedAsBefore) {
  HubHarness harness;
  FakeWorkerStream& worker = harness.Connect(1, /*accepts_batches=*/false);
  harness.Submit(2);
  harness.Submit(1);  // waits for the credit the first result gives back
  ASSERT_THAT(worker.Assignments(), SizeIs(1));
  std::string first = worker.Assignments()[0].work_id();
  harness.hub().OnWorkerMessage(&worker, Outputs(first, R"({"a":1})"));
  ASSERT_THAT(worker.Assignments(), SizeIs(2));
  harness.hub().OnWorkerMessage(&worker, Outputs(worker.Assignments()[1].work_id(), R"({"b":2})"));
  harness.scheduler().RunUntilIdle();
  for (const auto& run : harness.runs()) {
    EXPECT_EQ(run->done_calls, 1);
    EXPECT_TRUE(run->result->ok()) << run->result->status();
  }
  // The hub itself never batches: the session does, for workers that take it.
  for (const pb::HostMessage& message : worker.sent) EXPECT_FALSE(message.has_batch());
}

TEST(WorkerHubProtocol, ABatchHoldingAHelloOrABatchLosesTheSessionAfterWhatCameBefore) {
  for (bool nested_batch : {false, true}) {
    SCOPED_TRACE(nested_batch ? "a nested batch" : "a Hello");
    HubHarness harness;
    harness.Submit(1);
    harness.Submit(1);
    FakeWorkerStream& worker = harness.Connect(2);
    pb::WorkerMessage bad;
    if (nested_batch) {
      *bad.mutable_batch()->add_messages() = Outputs("w2", R"({})");
    } else {
      *bad.mutable_hello() = HubHarness::GoodHello(true);
    }
    harness.hub().OnWorkerMessage(
        &worker, Batch({Outputs("w1", R"({"ok":true})"), bad, Outputs("w2", R"({})")}));
    harness.scheduler().RunUntilIdle();
    auto& runs = harness.runs();
    ASSERT_EQ(runs[0]->done_calls, 1);
    EXPECT_TRUE(runs[0]->result->ok()) << runs[0]->result->status();
    ASSERT_EQ(runs[1]->done_calls, 1);
    EXPECT_EQ(sdk::ErrorClassOf(runs[1]->result->status()), "unavailable");
    ASSERT_TRUE(worker.closed);
    EXPECT_EQ(worker.close_status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(worker.close_status.message(),
                HasSubstr(nested_batch ? "a batch inside a batch" : "a second Hello"));
    EXPECT_THAT(harness.hub().Workers(), SizeIs(0));
  }
}

TEST(WorkerHubProtocol, AResultInABatchForWorkNotInFlightIsRefusedAndTheRestCounts) {
  HubHarness harness;
  harness.Submit(1);
  FakeWorkerStream& worker = harness.Connect(1);
  harness.hub().OnWorkerMessage(&worker, Batch({Outputs("w99", R"({})"), Outputs("w1", R"({})")}));
  harness.scheduler().RunUntilIdle();
  ASSERT_EQ(harness.runs()[0]->done_calls, 1);
  EXPECT_TRUE(harness.runs()[0]->result->ok());
  EXPECT_FALSE(worker.closed);
  bool refused = false;
  for (const sdk::Json& line : harness.logger().lines()) {
    refused = refused || line.value("message", "").find("for work 'w99'") != std::string::npos;
  }
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace flowhost::remote
