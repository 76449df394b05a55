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
