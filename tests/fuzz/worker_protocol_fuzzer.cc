// Fuzz target: what a remote worker sends the host (proto/flowhost/plugin/v1/worker.proto), as the
// hub handles it (server/remote/worker_hub.cc). A worker is another process, possibly buggy or
// hostile; whatever it sends must end as a refusal or a classified error of that worker, never as
// a crash, a hang, or a node run answered twice or never.
//
// The first byte picks the shape; the rest is protobuf wire format:
//   even: one WorkerMessage (which may itself be a WorkerBatch);
//   odd:  a WorkerBatch whose messages are handed to the hub one by one, as a sequence of reads.
// The hub has three node runs of two items (work ids w1, w2, w3) and one admitted worker with two
// credits, so w1 and w2 are in flight on it and w3 waits. The messages go to that worker's session;
// a Hello first in the input is also offered to the hub on a new stream (the registration check).
//
// Invariants beyond "no crash, no leak, no undefined behaviour": a refused Hello sends Refused with
// a reason and a message; a session the hub drops is closed with an error naming why; each node
// run's `done` is called at most once, and exactly once after the hub stops; an answered run holds
// at most its one output port of JSON objects, or an error with a code and a message.
#include <cstddef>
#include <cstdint>
#include <string>

#include "flowhost/plugin/v1/worker.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/remote/hub_harness.h"

namespace flowhost::fuzz {
namespace {

namespace pb = plugin::v1;
using remote_testing::FakeWorkerStream;
using remote_testing::HubHarness;

void CheckHello(HubHarness& harness, const pb::Hello& hello) {
  FakeWorkerStream stream;
  absl::Status admitted = harness.hub().Admit(&stream, hello);
  FUZZ_CHECK(stream.sent.size() == 1, stream.sent.size() << " answers to a Hello");
  if (admitted.ok()) {
    FUZZ_CHECK(stream.sent[0].has_accepted(), stream.sent[0].DebugString());
    harness.hub().OnStreamGone(&stream, absl::UnavailableError("the fuzz stream ends"));
    return;
  }
  FUZZ_CHECK(!admitted.message().empty(), "a refusal without a reason");
  FUZZ_CHECK(stream.sent[0].has_refused() &&
                 stream.sent[0].refused().reason() != pb::REFUSED_REASON_UNSPECIFIED &&
                 !stream.sent[0].refused().message().empty(),
             stream.sent[0].DebugString());
}

void CheckRuns(HubHarness& harness, bool stopped) {
  for (const auto& run : harness.runs()) {
    FUZZ_CHECK(run->done_calls <= 1, run->done_calls << " answers to one node run");
    if (stopped) FUZZ_CHECK(run->done_calls == 1, "a node run never answered");
    if (!run->result.has_value()) continue;
    const absl::StatusOr<sdk::NodeResult>& result = *run->result;
    if (result.ok()) {
      FUZZ_CHECK(result->outputs.size() <= 1, result->outputs.size() << " output ports");
      for (const sdk::Items& port : result->outputs) {
        for (const sdk::Json& item : port) FUZZ_CHECK(item.is_object(), item.dump());
      }
    } else {
      FUZZ_CHECK(!result.status().message().empty(), "an error without a message");
    }
  }
}

}  // namespace
}  // namespace flowhost::fuzz

// Protobuf logs every string field that is not UTF-8 as it refuses the message; most mutated
// inputs have one, and the log lines were most of the target's system calls.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowhost::fuzz;
  if (size == 0) return 0;
  const bool sequence = (data[0] & 1) != 0;
  std::vector<pb::WorkerMessage> messages;
  if (sequence) {
    pb::WorkerBatch batch;
    if (!batch.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
    messages.assign(batch.messages().begin(), batch.messages().end());
  } else {
    pb::WorkerMessage message;
    if (!message.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
    messages.push_back(std::move(message));
  }

  HubHarness harness;
  for (int i = 0; i < 3; ++i) harness.Submit(2);
  FakeWorkerStream& worker = harness.Connect(2);
  FUZZ_CHECK(worker.Assignments().size() == 2, worker.Assignments().size() << " assignments");
  if (!messages.empty() && messages[0].has_hello()) CheckHello(harness, messages[0].hello());

  for (const pb::WorkerMessage& message : messages) {
    harness.hub().OnWorkerMessage(&worker, message);
    harness.scheduler().RunUntilIdle();
    CheckRuns(harness, false);
  }
  if (worker.closed) {
    FUZZ_CHECK(!worker.close_status.ok() && !worker.close_status.message().empty(),
               worker.close_status);
  }
  // Past the heartbeat timeout: a worker that said nothing since is lost, its runs fail.
  harness.scheduler().AdvanceBy(absl::Seconds(2));
  CheckRuns(harness, false);
  harness.hub().Stop();
  harness.scheduler().RunUntilIdle();
  CheckRuns(harness, true);
  return 0;
}
