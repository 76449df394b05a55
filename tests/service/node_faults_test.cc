// A node that throws, through the real gRPC service: the call fails with INTERNAL naming the node,
// the server logs it and keeps serving, on the gRPC thread (the first node runs there) and on the
// worker pool alike.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/service/json_proto.h"
#include "tests/executor/throwing_nodes.h"
#include "tests/service/service_harness.h"

namespace flowhost::service {
namespace {

using testing::HarnessOptions;
using ::testing::HasSubstr;
using testing::ServiceHarness;
using testing::StartHarness;

std::unique_ptr<ServiceHarness> StartWithThrowingNodes() {
  HarnessOptions options;
  options.register_more_nodes = [](sdk::NodeRegistry& registry) {
    return executor::testing::RegisterThrowingNodes(registry);
  };
  return StartHarness(std::move(options));
}

std::string Throwing(const std::string& in, const std::string& what) {
  return "name: throws\nnodes:\n  - name: bad\n    type: test.throw\n    params: {in: " + in +
         ", what: " + what + "}\n";
}

grpc::Status Greet(ServiceHarness& harness) {
  v1::RunWorkflowRequest request;
  request.set_workflow("greet");
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  return harness.stub().RunWorkflow(context.get(), request, &response);
}

TEST(NodeFaults, AJsonTypeErrorInExecuteIsInternalNamingTheNodeAndTheServerKeepsServing) {
  auto harness = StartWithThrowingNodes();
  ASSERT_NE(harness, nullptr);
  for (int round = 0; round < 3; ++round) {
    v1::RunWorkflowResponse response;
    grpc::Status status = harness->RunInline(Throwing("execute", "json_type_error"), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
    EXPECT_THAT(status.error_message(), HasSubstr("node 'bad'"));
    EXPECT_THAT(status.error_message(), HasSubstr("'test.throw'"));
    EXPECT_THAT(status.error_message(), HasSubstr("type must be number, but is string"));
    ASSERT_TRUE(Greet(*harness).ok());
  }
  bool logged = false;
  for (const std::string& line : harness->log_lines()) {
    if (line.find("threw an exception from Execute") != std::string::npos &&
        line.find("\"node\":\"bad\"") != std::string::npos) {
      logged = true;
    }
  }
  EXPECT_TRUE(logged);
}

TEST(NodeFaults, ACallbackThrowingOnTheWorkerPoolFailsTheNodeAndThePoolLivesOn) {
  auto harness = StartWithThrowingNodes();
  ASSERT_NE(harness, nullptr);
  // More rounds than the pool has workers: a worker killed by the first would be missed later.
  for (int round = 0; round < 6; ++round) {
    v1::RunWorkflowResponse response;
    grpc::Status status = harness->RunInline(Throwing("callback", "non_std"), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
    EXPECT_THAT(status.error_message(),
                HasSubstr("a callback of node type 'test.throw' threw an exception"));
    EXPECT_THAT(status.error_message(), HasSubstr("an exception of type int"));
    ASSERT_TRUE(Greet(*harness).ok());
  }
}

TEST(NodeFaults, AnExceptionInCreateIsAnInvalidWorkflowNotACrash) {
  auto harness = StartWithThrowingNodes();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->RunInline(Throwing("create", "json_out_of_range"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("node 'bad': node type 'test.throw' threw"));
  EXPECT_THAT(status.error_message(), HasSubstr("key 'missing' not found"));
  EXPECT_TRUE(Greet(*harness).ok());
}

}  // namespace
}  // namespace flowhost::service

namespace flowhost::service {
namespace {

// One item fails; the two still in flight are cancelled because of it. Only the failure is a
// warning: the cancelled siblings are logged at debug, so an operator reads one cause, not three.
TEST(NodeFaults, SiblingsCancelledBecauseAnItemFailedAreNotLoggedAsWarnings) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->RunInline(R"(name: siblings
nodes:
  - name: models
    type: set
    params: {mode: replace, values: {models: ["fake/slow-5000", "fake/slow-5000", "fake/fail402"]}}
    next: each
  - name: each
    type: split_out
    params: {field: models, destination: model}
    next: answer
  - name: answer
    type: openrouter.chat
    params: {model: "{{ $json.model }}", prompt: hi}
)",
                                           &response);
  ASSERT_FALSE(status.ok());
  int warnings = 0, cancelled = 0;
  for (const std::string& line : harness->log_lines()) {
    if (line.find("\"msg\":\"chat completion failed\"") == std::string::npos) continue;
    sdk::Json json = sdk::Json::parse(line);
    if (json["error_class"] == "cancelled") {
      ++cancelled;
      EXPECT_EQ(json["level"], "debug") << line;
    } else {
      ++warnings;
      EXPECT_EQ(json["level"], "warning") << line;
      EXPECT_EQ(json["model"], "fake/fail402") << line;
    }
  }
  EXPECT_EQ(warnings, 1);
  EXPECT_EQ(cancelled, 2);
}

}  // namespace
}  // namespace flowhost::service
