// flowhost_loadgen's gRPC targets against an in-process WorkflowService on a loopback port: status
// codes by name, first tokens of streams, deadlines, and 10,000 calls in flight from one process;
// RunWorkflow through both client APIs.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "bench/loadgen/call_target.h"
#include "bench/loadgen/load_driver.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"

namespace flowhost::bench {
namespace {

namespace v1 = ::flowhost::v1;

// Finishes only when the caller's deadline passes (or the caller cancels).
class HangingReactor final : public grpc::ServerUnaryReactor {
 public:
  void OnCancel() override { Finish(grpc::Status::CANCELLED); }
  void OnDone() override { delete this; }
};

// Writes execution_started, one token delta and execution_finished, then ends OK.
class EventsReactor final : public grpc::ServerWriteReactor<v1::StreamWorkflowResponse> {
 public:
  EventsReactor() {
    events_[0].mutable_execution_started()->set_workflow("chat");
    events_[1].mutable_token_delta()->set_text("Fake ");
    events_[2].mutable_execution_finished()->set_status(v1::EXECUTION_STATUS_SUCCEEDED);
    WriteNext();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return;  // cancelled: OnDone follows
    WriteNext();
  }
  void OnCancel() override {}
  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (next_ == 3) {
      Finish(grpc::Status::OK);
      return;
    }
    StartWrite(&events_[next_++]);
  }
  v1::StreamWorkflowResponse events_[3];
  int next_ = 0;
};

// Workflow "ok" succeeds, "missing" is NOT_FOUND, "hang" never answers, and "gather" holds every
// call until `gather_size` are held, then answers them all (and later ones at once).
class TestWorkflowService final : public v1::WorkflowService::CallbackService {
 public:
  explicit TestWorkflowService(int gather_size) : gather_size_(gather_size) {}

  grpc::ServerUnaryReactor* RunWorkflow(grpc::CallbackServerContext* context,
                                        const v1::RunWorkflowRequest* request,
                                        v1::RunWorkflowResponse* response) override {
    const std::string& workflow = request->workflow();
    if (workflow == "hang") return new HangingReactor();
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (workflow == "missing") {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "no workflow 'missing'"));
    } else if (workflow == "gather") {
      Gather(reactor);
    } else {
      response->set_workflow(workflow);
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

  grpc::ServerWriteReactor<v1::StreamWorkflowResponse>* StreamWorkflow(
      grpc::CallbackServerContext*, const v1::StreamWorkflowRequest*) override {
    return new EventsReactor();
  }

  int most_held() {
    absl::MutexLock lock(&mu_);
    return most_held_;
  }

 private:
  void Gather(grpc::ServerUnaryReactor* reactor) {
    std::vector<grpc::ServerUnaryReactor*> release;
    {
      absl::MutexLock lock(&mu_);
      if (!gathered_) {
        held_.push_back(reactor);
        most_held_ = std::max<int>(most_held_, held_.size());
        if (static_cast<int>(held_.size()) < gather_size_) return;
        gathered_ = true;
        release.swap(held_);
      } else {
        release.push_back(reactor);
      }
    }
    for (grpc::ServerUnaryReactor* held : release) held->Finish(grpc::Status::OK);
  }

  const int gather_size_;
  absl::Mutex mu_;
  std::vector<grpc::ServerUnaryReactor*> held_ ABSL_GUARDED_BY(mu_);
  int most_held_ ABSL_GUARDED_BY(mu_) = 0;
  bool gathered_ ABSL_GUARDED_BY(mu_) = false;
};

class GrpcLoadTest : public ::testing::TestWithParam<GrpcClientApi> {
 protected:
  static constexpr int kGatherSize = 10000;

  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  LoadgenConfig Config(const std::string& workflow) const {
    LoadgenConfig config;
    config.target = "127.0.0.1:" + std::to_string(port_);
    config.workflow = workflow;
    config.warmup = absl::Milliseconds(50);
    config.duration = absl::Milliseconds(300);
    config.deadline = absl::Seconds(60);
    config.concurrency = 8;
    config.grpc_api = GetParam();
    return config;
  }

  static RunResults RunLoad(const LoadgenConfig& config) {
    auto target = MakeCallTarget(config);
    EXPECT_TRUE(target.ok()) << target.status();
    if (!target.ok()) return {};
    LoadDriver driver(config, **target);
    return driver.Run();
  }

  TestWorkflowService service_{kGatherSize};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_P(GrpcLoadTest, SuccessfulRunsAreCountedAsOk) {
  RunResults results = RunLoad(Config("ok"));
  EXPECT_GT(results.ok, 0u);
  EXPECT_EQ(results.failed, 0u);
  EXPECT_EQ(results.codes["OK"], results.ok);
  EXPECT_EQ(results.latency.count, results.ok);
}

TEST_P(GrpcLoadTest, FailuresAreCountedByTheirStatusCodeName) {
  RunResults results = RunLoad(Config("missing"));
  EXPECT_EQ(results.ok, 0u);
  EXPECT_GT(results.failed, 0u);
  EXPECT_EQ(results.codes["NOT_FOUND"], results.failed);
  EXPECT_EQ(results.latency.count, 0u);
}

TEST_P(GrpcLoadTest, EveryCallCarriesTheDeadline) {
  LoadgenConfig config = Config("hang");
  config.deadline = absl::Milliseconds(100);
  config.warmup = absl::ZeroDuration();
  RunResults results = RunLoad(config);
  EXPECT_EQ(results.ok, 0u);
  EXPECT_GT(results.failed, 0u);
  EXPECT_EQ(results.codes["DEADLINE_EXCEEDED"], results.failed);
  EXPECT_EQ(results.unfinished, 0u);
}

TEST_P(GrpcLoadTest, StreamsReportTheirFirstToken) {
  LoadgenConfig config = Config("chat");
  config.call = CallKind::kStreamWorkflow;
  RunResults results = RunLoad(config);
  EXPECT_GT(results.ok, 0u);
  EXPECT_EQ(results.failed, 0u);
  EXPECT_EQ(results.first_token.count, results.ok);
  EXPECT_LE(results.first_token.max_us, results.latency.max_us);
}

TEST_P(GrpcLoadTest, AnInputThatIsNotAJsonObjectIsRefused) {
  LoadgenConfig config = Config("ok");
  config.input_json = "[1, 2]";
  auto target = MakeCallTarget(config);
  ASSERT_FALSE(target.ok());
  EXPECT_NE(target.status().message().find("--input"), std::string::npos);
}

TEST_P(GrpcLoadTest, TenThousandCallsAreInFlightAtOnceFromOneProcess) {
  LoadgenConfig config = Config("gather");
  config.concurrency = kGatherSize;
  config.warmup = absl::ZeroDuration();
  config.channels = 4;

  RunResults results = RunLoad(config);

  // The server saw all 10,000 waiting at once before it answered any.
  EXPECT_EQ(service_.most_held(), kGatherSize);
  EXPECT_EQ(results.max_in_flight, static_cast<uint64_t>(kGatherSize));
  // Starting 10,000 calls may outlast the short window, so count every call, measured or not.
  EXPECT_GE(results.total_finished, static_cast<uint64_t>(kGatherSize));
  EXPECT_EQ(results.failed, 0u);
  EXPECT_EQ(results.unfinished, 0u);
  // Client and server share this process; neither has a thread per call.
  EXPECT_LT(results.client_threads, 200);
}

// RunWorkflow through completion queues polled by the load generator's own threads, and through the
// callback API (StreamWorkflow always uses the callback API).
INSTANTIATE_TEST_SUITE_P(BothClientApis, GrpcLoadTest,
                         ::testing::Values(GrpcClientApi::kCompletionQueue,
                                           GrpcClientApi::kCallback),
                         [](const ::testing::TestParamInfo<GrpcClientApi>& info) {
                           return info.param == GrpcClientApi::kCompletionQueue
                                      ? std::string("CompletionQueue")
                                      : std::string("Callback");
                         });

}  // namespace
}  // namespace flowhost::bench
