// The real `flowhost serve` binary as a child process, against the fake OpenRouter: it announces
// its port, serves calls (also through `flowhost call`), and on SIGTERM lets executions in flight
// finish within the grace period before exiting cleanly.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/cli/commands.h"
#include "server/service/json_proto.h"
#include "tests/fake_openrouter/child_process.h"
#include "tests/fake_openrouter/fake_process.h"

namespace flowhost::service {
namespace {

using ::testing::HasSubstr;

constexpr char kSlow[] = R"(name: slow
inputs:
  duration: {type: string, default: 1s}
nodes:
  - name: pause
    type: wait
    params: {duration: "{{ $inputs.duration }}"}
)";

constexpr char kAsk[] = R"(name: ask
inputs:
  question: {type: string, required: true}
nodes:
  - name: answer
    type: openrouter.chat
    params: {model: fake/ok, prompt: "{{ $inputs.question }}"}
)";

class ServeBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = fake_openrouter::FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("flowhost_serve_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "workflows");
    std::ofstream(dir_ / "workflows" / "slow.yaml") << kSlow;
    std::ofstream(dir_ / "workflows" / "ask.yaml") << kAsk;
    std::ofstream(dir_ / "key.txt") << fake_->api_key() << "\n";

    auto child = fake_openrouter::ChildProcess::Spawn(
        {FLOWHOST_BINARY, "serve", "--listen", "127.0.0.1:0", "--workflows",
         (dir_ / "workflows").string(), "--openrouter-base-url", fake_->base_url(),
         "--openrouter-api-key-file", (dir_ / "key.txt").string(), "--shutdown-grace-period", "30s",
         "--log-level", "warning"});
    ASSERT_TRUE(child.ok()) << child.status();
    server_ = *std::move(child);
    absl::StatusOr<std::string> line =
        server_->ReadLine(std::chrono::steady_clock::now() + std::chrono::seconds(60));
    ASSERT_TRUE(line.ok()) << line.status();
    ASSERT_THAT(*line, HasSubstr("LISTENING "));
    target_ = "127.0.0.1:" + line->substr(std::string("LISTENING ").size());
    stub_ = v1::WorkflowService::NewStub(
        grpc::CreateChannel(target_, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return context;
  }

  std::unique_ptr<fake_openrouter::FakeProcess> fake_;
  std::filesystem::path dir_;
  std::unique_ptr<fake_openrouter::ChildProcess> server_;
  std::string target_;
  std::unique_ptr<v1::WorkflowService::Stub> stub_;
};

TEST_F(ServeBinaryTest, CallVerbRunsAWorkflowOnTheServerAndPrintsItsOutput) {
  std::ostringstream out, err;
  int code = cli::CallCommand(
      {"ask", "--input", R"({"question": "hi"})", "--target", target_, "--timeout", "60s"}, out,
      err);
  EXPECT_EQ(code, cli::kExitOk) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("Fake answer to: hi"));

  std::ostringstream streamed_out, streamed_err;
  code = cli::CallCommand(
      {"ask", "--stream", "--input", R"({"question": "again"})", "--target", target_}, streamed_out,
      streamed_err);
  EXPECT_EQ(code, cli::kExitOk) << streamed_err.str();
  EXPECT_THAT(streamed_err.str(), HasSubstr("answer > Fake answer to: again"));

  std::ostringstream missing_out, missing_err;
  EXPECT_EQ(cli::CallCommand({"nope", "--target", target_}, missing_out, missing_err),
            cli::kExitInvalid);
  EXPECT_THAT(missing_err.str(), HasSubstr("NOT_FOUND"));
}

TEST_F(ServeBinaryTest, SigtermLetsExecutionsInFlightFinishThenExitsCleanly) {
  v1::StreamWorkflowRequest request;
  request.set_workflow("slow");
  auto context = Context();
  auto reader = stub_->StreamWorkflow(context.get(), request);
  v1::StreamWorkflowResponse event;
  bool node_started = false;
  while (!node_started && reader->Read(&event)) node_started = event.has_node_started();
  ASSERT_TRUE(node_started);

  absl::Status stopped;
  std::thread terminator([&] { stopped = server_->Stop(/*grace_ms=*/60000); });  // SIGTERM
  v1::StreamWorkflowResponse last;
  while (reader->Read(&event)) last = event;
  grpc::Status status = reader->Finish();
  terminator.join();

  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(last.execution_finished().status(), v1::EXECUTION_STATUS_SUCCEEDED);
  EXPECT_TRUE(stopped.ok()) << stopped;  // exit status 0
  server_.reset();
}

}  // namespace
}  // namespace flowhost::service
