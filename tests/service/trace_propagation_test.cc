// W3C trace context through the service: a caller's `traceparent` (gRPC metadata) continues into
// the execution's log lines and onto its upstream requests, each with a span of its own, and the
// response metadata carries the execution id and the trace. A caller that sends none gets a new
// trace all the same.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/trace_context.h"
#include "server/service/json_proto.h"
#include "tests/service/service_harness.h"

namespace flowhost::service::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kCallerTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kCallerParent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

v1::RunWorkflowRequest AskOnce(const std::string& question) {
  v1::RunWorkflowRequest request;
  request.set_workflow("ask");
  EXPECT_TRUE(JsonToStruct({{"question", question}}, *request.mutable_input()).ok());
  return request;
}

std::string InitialMetadata(const grpc::ClientContext& context, const std::string& key) {
  auto found = context.GetServerInitialMetadata().find(key);
  if (found == context.GetServerInitialMetadata().end()) return "";
  return std::string(found->second.data(), found->second.size());
}

// The traceparent headers the fake saw on chat requests, oldest first.
std::vector<std::string> UpstreamTraceparents(ServiceHarness& harness) {
  std::vector<std::string> headers;
  absl::StatusOr<nlohmann::json> requests = harness.fake().Requests(100);
  EXPECT_TRUE(requests.ok()) << requests.status();
  if (!requests.ok()) return headers;
  for (const nlohmann::json& request : *requests) {
    if (request.value("path", "").find("/chat/completions") == std::string::npos) continue;
    headers.push_back(request["headers"].value("traceparent", ""));
  }
  return headers;
}

TEST(TracePropagation, TheCallersTraceReachesTheLogsTheUpstreamAndTheResponseMetadata) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  ASSERT_TRUE(harness->fake().ResetStats().ok());
  auto context = ServiceHarness::Context();
  context->AddMetadata("traceparent", kCallerParent);
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->stub().RunWorkflow(context.get(), AskOnce("traced?"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(InitialMetadata(*context, "x-flowhost-execution-id"), response.execution_id());
  std::optional<common::TraceContext> answered =
      common::TraceContext::Parse(InitialMetadata(*context, "traceparent"));
  ASSERT_TRUE(answered.has_value()) << InitialMetadata(*context, "traceparent");
  EXPECT_EQ(answered->trace_id, kCallerTrace);
  EXPECT_TRUE(answered->sampled);

  std::vector<std::string> upstream = UpstreamTraceparents(*harness);
  ASSERT_EQ(upstream.size(), 1u);
  std::optional<common::TraceContext> sent = common::TraceContext::Parse(upstream[0]);
  ASSERT_TRUE(sent.has_value()) << upstream[0];
  EXPECT_EQ(sent->trace_id, kCallerTrace);
  EXPECT_NE(sent->span_id, "00f067aa0ba902b7");  // a span of its own, the request's
  EXPECT_TRUE(sent->sampled);

  bool started = false, finished = false;
  for (const std::string& line : harness->log_lines()) {
    if (line.find(response.execution_id()) == std::string::npos) continue;
    EXPECT_THAT(line, HasSubstr(std::string("\"trace_id\":\"") + kCallerTrace + "\"")) << line;
    started = started || line.find("execution started") != std::string::npos;
    finished = finished || line.find("execution finished") != std::string::npos;
  }
  EXPECT_TRUE(started);
  EXPECT_TRUE(finished);
}

TEST(TracePropagation, ACallerWithoutOrWithABrokenTraceparentGetsANewTraceEndToEnd) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  std::vector<std::string> traces;
  for (const char* incoming : {"", "00-not-a-trace-01"}) {
    ASSERT_TRUE(harness->fake().ResetStats().ok());
    auto context = ServiceHarness::Context();
    if (*incoming != '\0') context->AddMetadata("traceparent", incoming);
    v1::RunWorkflowResponse response;
    grpc::Status status = harness->stub().RunWorkflow(context.get(), AskOnce("new"), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    std::optional<common::TraceContext> answered =
        common::TraceContext::Parse(InitialMetadata(*context, "traceparent"));
    ASSERT_TRUE(answered.has_value()) << incoming;
    EXPECT_FALSE(answered->sampled);
    std::vector<std::string> upstream = UpstreamTraceparents(*harness);
    ASSERT_EQ(upstream.size(), 1u);
    EXPECT_EQ(common::TraceContext::Parse(upstream[0])->trace_id, answered->trace_id);
    traces.push_back(answered->trace_id);
  }
  EXPECT_NE(traces[0], traces[1]);
}

}  // namespace
}  // namespace flowhost::service::testing
