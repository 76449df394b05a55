// A WorkerHub driven by hand, for the hub's protocol tests (worker_hub_test.cc) and the worker
// protocol's fuzz target (tests/fuzz/worker_protocol_fuzzer.cc): the hub runs on a manual
// scheduler, each worker's stream is a FakeWorkerStream that keeps what the hub sends it, and each
// submitted node run keeps its outcome and how often `done` was called. No gRPC, no threads.
//
// Thread-safety: one test thread.
#ifndef FLOWHOST_TESTS_REMOTE_HUB_HARNESS_H_
#define FLOWHOST_TESTS_REMOTE_HUB_HARNESS_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flowhost/plugin/v1/worker.pb.h"
#include "flowhost/sdk/json_text.h"
#include "server/remote/worker_hub.h"
#include "server/remote/worker_stream.h"
#include "tests/nodes/testing/fake_node_context.h"

namespace flowhost::remote_testing {

// Keeps what the hub sends, and the status it closed the stream with.
class FakeWorkerStream : public remote::WorkerStream {
 public:
  void Send(plugin::v1::HostMessage message) override {
    if (!closed) sent.push_back(std::move(message));
  }
  void Close(const absl::Status& status) override {
    if (closed) return;
    closed = true;
    close_status = status;
  }

  // The assignments sent so far (inside batches too), in order.
  std::vector<plugin::v1::Assignment> Assignments() const {
    std::vector<plugin::v1::Assignment> assignments;
    for (const plugin::v1::HostMessage& message : sent) {
      if (message.has_assignment()) assignments.push_back(message.assignment());
      for (const plugin::v1::HostMessage& inner : message.batch().messages()) {
        if (inner.has_assignment()) assignments.push_back(inner.assignment());
      }
    }
    return assignments;
  }

  std::vector<plugin::v1::HostMessage> sent;
  bool closed = false;
  absl::Status close_status;
};

class HubHarness {
 public:
  // The one remote type the hub declares, with one output port.
  static constexpr char kType[] = "hub.echo";
  static constexpr char kSchema[] = R"({"type":"object","properties":{}})";

  HubHarness() {
    remote::RemoteConfig config;
    config.max_queued_per_type = 8;
    remote::DeclaredRemoteType declared;
    declared.info.type = kType;
    declared.info.parameter_schema = *sdk::ParseJsonText(kSchema);
    config.types.push_back(std::move(declared));
    hub_ = remote::WorkerHub::Create(std::move(config), scheduler(), logger_);
  }
  ~HubHarness() {
    hub_->Stop();
    scheduler().RunUntilIdle();
  }

  remote::WorkerHub& hub() { return *hub_; }
  common::ManualScheduler& scheduler() { return clock_owner_.manual_scheduler(); }

  // A Hello serving kType with its exact schema.
  static plugin::v1::Hello GoodHello(bool accepts_batches) {
    plugin::v1::Hello hello;
    hello.set_protocol_version(plugin::v1::PROTOCOL_VERSION_1);
    hello.set_worker_id("harness-worker");
    hello.set_accepts_batches(accepts_batches);
    plugin::v1::NodeTypeSpec& spec = *hello.add_node_types();
    spec.set_name(kType);
    spec.set_version(1);
    spec.set_parameter_schema_json(kSchema);
    return hello;
  }

  // A worker admitted on a new stream that grants `credits`; the stream stays owned here.
  FakeWorkerStream& Connect(int credits, bool accepts_batches = true) {
    FakeWorkerStream& stream = *streams_.emplace_back(std::make_unique<FakeWorkerStream>());
    absl::Status admitted = hub_->Admit(&stream, GoodHello(accepts_batches));
    if (admitted.ok() && credits > 0) {
      plugin::v1::WorkerMessage credit;
      credit.mutable_credit()->set_credits(credits);
      hub_->OnWorkerMessage(&stream, credit);
    }
    return stream;
  }

  // What became of one submitted node run.
  struct Run {
    std::unique_ptr<node_testing::FakeNodeContext> context;
    int done_calls = 0;
    std::optional<absl::StatusOr<sdk::NodeResult>> result;
  };

  // Submits a node run of `items` input items; the hub numbers its work "w1", "w2"... in order of
  // submission only while no worker connects in between (sessions take numbers too).
  Run& Submit(int items) {
    auto run = std::make_unique<Run>();
    run->context = std::make_unique<node_testing::FakeNodeContext>();
    sdk::Items inputs;
    for (int i = 0; i < items; ++i) inputs.push_back(sdk::Json{{"i", i}});
    run->context->SetInput(std::move(inputs));
    remote::RemoteWorkRequest request;
    request.node_type = kType;
    request.assignment.set_node_type(kType);
    request.assignment.set_node_name("node");
    request.context = run->context.get();
    request.output_count = 1;
    Run* raw = run.get();
    request.done = [raw](absl::StatusOr<sdk::NodeResult> result) {
      ++raw->done_calls;
      raw->result = std::move(result);
    };
    runs_.push_back(std::move(run));
    hub_->Submit(std::move(request));
    return *raw;
  }

  std::vector<std::unique_ptr<Run>>& runs() { return runs_; }
  node_testing::RecordingLogger& logger() { return logger_; }

 private:
  node_testing::FakeNodeContext clock_owner_;  // lends its manual clock and scheduler
  node_testing::RecordingLogger logger_;
  std::shared_ptr<remote::WorkerHub> hub_;
  std::vector<std::unique_ptr<FakeWorkerStream>> streams_;
  std::vector<std::unique_ptr<Run>> runs_;
};

}  // namespace flowhost::remote_testing

#endif  // FLOWHOST_TESTS_REMOTE_HUB_HARNESS_H_
