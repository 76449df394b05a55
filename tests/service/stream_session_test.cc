// StreamWorkflow's flow control: one write at a time, in order, bounded by merging token deltas
// when the reader is far behind, and a finish only after everything queued was written.
#include "server/service/stream_session.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowhost::service {
namespace {

using ::testing::ElementsAre;

// Records what the session writes and completes each write only when the test says so, like a
// reader that reads when it pleases.
class RecordingWriter : public StreamWriter {
 public:
  void StartWrite(const v1::StreamWorkflowResponse* event) override {
    EXPECT_FALSE(write_in_flight_) << "a second write started before the first completed";
    EXPECT_FALSE(finished_) << "a write after the finish";
    write_in_flight_ = true;
    written_.push_back(*event);
  }
  void Finish(grpc::Status status) override {
    EXPECT_FALSE(write_in_flight_) << "finished with a write in flight";
    EXPECT_FALSE(finished_) << "finished twice";
    finished_ = true;
    status_ = status;
  }

  // Completes the write in flight, as gRPC does when the reader took it.
  void Complete(StreamSession& session, bool ok = true) {
    ASSERT_TRUE(write_in_flight_);
    write_in_flight_ = false;
    session.OnWriteDone(ok);
  }
  // Completes writes until none is in flight.
  void Drain(StreamSession& session) {
    while (write_in_flight_) Complete(session);
  }

  std::vector<std::string> Kinds() const {
    std::vector<std::string> kinds;
    for (const auto& event : written_) {
      kinds.push_back(event.GetDescriptor()->FindFieldByNumber(event.event_case())->name());
    }
    return kinds;
  }
  std::string TextOf(const std::string& node, int item) const {
    std::string text;
    for (const auto& event : written_) {
      if (event.has_token_delta() && event.token_delta().node() == node &&
          event.token_delta().item_index() == item) {
        text += event.token_delta().text();
      }
    }
    return text;
  }

  std::vector<v1::StreamWorkflowResponse> written_;
  bool write_in_flight_ = false;
  bool finished_ = false;
  grpc::Status status_;
};

v1::StreamWorkflowResponse NodeStarted(const std::string& node) {
  v1::StreamWorkflowResponse event;
  event.mutable_node_started()->set_node(node);
  event.mutable_node_started()->set_attempt(1);
  return event;
}

TEST(StreamSession, WritesEventsOneAtATimeInOrderThenFinishes) {
  RecordingWriter writer;
  StreamSession session(&writer, 64);
  session.Push(NodeStarted("a"));
  session.PushTokenDelta("a", 0, "Hel", "content");
  session.PushTokenDelta("a", 0, "lo", "content");
  session.Close(grpc::Status::OK);
  EXPECT_FALSE(writer.finished_);  // three events still to write

  writer.Drain(session);

  EXPECT_THAT(writer.Kinds(), ElementsAre("node_started", "token_delta", "token_delta"));
  EXPECT_EQ(writer.TextOf("a", 0), "Hello");
  EXPECT_TRUE(writer.finished_);
  EXPECT_TRUE(writer.status_.ok());
}

TEST(StreamSession, FinishesWithTheExecutionsStatus) {
  RecordingWriter writer;
  StreamSession session(&writer, 64);
  session.Close(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "rate limited"));
  EXPECT_TRUE(writer.finished_);
  EXPECT_EQ(writer.status_.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST(StreamSession, SlowReaderGetsMergedDeltasWithTheSameTextAndABoundedQueue) {
  RecordingWriter writer;
  constexpr size_t kCapacity = 16;
  StreamSession session(&writer, kCapacity);
  session.Push(NodeStarted("chat"));  // in flight: the reader does not read for a while
  std::string expected_first, expected_second;
  for (int i = 0; i < 1000; ++i) {
    std::string token = "t" + std::to_string(i) + " ";
    session.PushTokenDelta("chat", 0, token, "content");
    expected_first += token;
    session.PushTokenDelta("chat", 1, token, "content");  // a second item, interleaved
    expected_second += token;
    EXPECT_LE(session.queued(), kCapacity);
  }
  EXPECT_GT(session.merged_deltas(), 1900u);
  session.Close(grpc::Status::OK);
  writer.Drain(session);

  EXPECT_EQ(writer.TextOf("chat", 0), expected_first);
  EXPECT_EQ(writer.TextOf("chat", 1), expected_second);
  EXPECT_LT(writer.written_.size(), 30u);
  EXPECT_TRUE(writer.finished_);
}

TEST(StreamSession, NodeEventsAreNeverMergedOrDropped) {
  RecordingWriter writer;
  StreamSession session(&writer, 4);
  for (int i = 0; i < 50; ++i) session.Push(NodeStarted("n" + std::to_string(i)));
  session.Close(grpc::Status::OK);
  writer.Drain(session);
  ASSERT_EQ(writer.written_.size(), 50u);
  EXPECT_EQ(writer.written_[49].node_started().node(), "n49");
}

TEST(StreamSession, ReaderGoneDropsTheQueueAndFinishesOnceClosed) {
  RecordingWriter writer;
  StreamSession session(&writer, 64);
  session.Push(NodeStarted("a"));
  session.Push(NodeStarted("b"));
  writer.Complete(session, /*ok=*/false);  // the client went away
  session.Push(NodeStarted("c"));          // later events go nowhere
  EXPECT_FALSE(writer.finished_);          // the execution has not closed yet
  session.Close(grpc::Status(grpc::StatusCode::CANCELLED, "caller cancelled"));
  EXPECT_TRUE(writer.finished_);
  EXPECT_EQ(writer.written_.size(), 1u);
}

TEST(StreamSession, NothingReachesADetachedWriter) {
  RecordingWriter writer;
  auto session = std::make_shared<StreamSession>(&writer, 64);
  session->Close(grpc::Status::OK);
  ASSERT_TRUE(writer.finished_);
  session->Detach();
  session->Push(NodeStarted("late"));  // an observer outliving the call
  session->PushTokenDelta("late", 0, "x", "content");
  EXPECT_TRUE(writer.written_.empty());
}

}  // namespace
}  // namespace flowhost::service
