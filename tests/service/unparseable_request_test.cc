// Requests that cannot be parsed, sent as raw bytes over a real channel to the real server: every
// method answers INVALID_ARGUMENT saying what is wrong (gRPC's callback API alone would answer
// UNIMPLEMENTED with an empty message), and protobuf's own complaint reaches the log as a JSON
// line.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/service/json_proto.h"
#include "server/service/status_mapping.h"
#include "tests/service/service_harness.h"

namespace flowhost::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ServiceHarness;
using testing::StartHarness;

// {"a": {"a": ... "leaf"}}: `levels` objects, the input itself included.
sdk::Json Nested(int levels) {
  sdk::Json value = "leaf";
  for (int i = 0; i < levels; ++i) value = sdk::Json{{"a", value}};
  return value;
}

// A RunWorkflowRequest for an inline workflow that takes any object as input `a` and returns it.
std::string EchoRequestBytes(const sdk::Json& input) {
  v1::RunWorkflowRequest request;
  request.set_yaml(R"(name: echo
inputs:
  a: {type: object}
nodes:
  - name: pass
    type: noop
)");
  EXPECT_TRUE(JsonToStruct(input, *request.mutable_input()).ok());
  return request.SerializeAsString();
}

struct Refusal {
  grpc::Status status;
  std::optional<v1::ErrorDetails> details;
};

Refusal Call(ServiceHarness& harness, const std::string& method, const std::string& bytes) {
  auto context = ServiceHarness::Context();
  std::string response;
  Refusal refusal;
  refusal.status =
      harness.RawCall("/flowhost.v1.WorkflowService/" + method, bytes, &response, *context);
  refusal.details = ReadErrorDetails(*context);
  return refusal;
}

TEST(UnparseableRequest, EveryMethodAnswersGarbageWithInvalidArgumentSayingWhatIsWrong) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  for (const char* method : {"RunWorkflow", "StreamWorkflow", "ValidateWorkflow", "ListWorkflows",
                             "GetWorkflow", "ListNodeTypes", "ListRouteHealth", "ListWorkers"}) {
    SCOPED_TRACE(method);
    Refusal refusal = Call(*harness, method, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff");
    EXPECT_EQ(refusal.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(refusal.status.error_message(),
                HasSubstr(std::string("the request is not a valid flowhost.v1.") + method +
                          "Request: a field tag that is not valid"));
    ASSERT_TRUE(refusal.details.has_value());
    EXPECT_EQ(refusal.details->error_class(), "invalid_input");
  }
  // A length running past the end, and a wire type protobuf does not have.
  Refusal cut = Call(*harness, "GetWorkflow",
                     std::string("\x0a\x10"
                                 "abc",
                                 5));
  EXPECT_EQ(cut.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(cut.status.error_message(),
              HasSubstr("field 'name' claims 16 bytes but only 3 are left (byte 0)"));
  Refusal wire = Call(*harness, "ListWorkflows", "\x0e");
  EXPECT_THAT(wire.status.error_message(), HasSubstr("has wire type 6"));
}

TEST(UnparseableRequest, InputNestedBeyondProtobufsLimitIsInvalidArgumentNamingWhere) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  // 33 levels of objects are within protobuf's 100 nested messages: the workflow runs.
  auto context = ServiceHarness::Context();
  std::string response;
  grpc::Status deep_enough =
      harness->RawCall("/flowhost.v1.WorkflowService/RunWorkflow",
                       EchoRequestBytes({{"a", Nested(32)}}), &response, *context);
  EXPECT_TRUE(deep_enough.ok()) << deep_enough.error_message();
  v1::RunWorkflowResponse reply;
  ASSERT_TRUE(reply.ParseFromString(response));
  EXPECT_EQ(reply.workflow(), "echo");

  // 34 are not; nor are 49 (the issue's case) or 91.
  for (int levels : {33, 48, 90}) {
    SCOPED_TRACE(levels);
    Refusal refusal = Call(*harness, "RunWorkflow", EchoRequestBytes({{"a", Nested(levels)}}));
    EXPECT_EQ(refusal.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(refusal.status.error_message(),
                HasSubstr("messages nest more than 100 levels deep (at field "
                          "'input.fields[\"a\"].struct_value.fields[\"a\"]"));
    EXPECT_THAT(refusal.status.error_message(), HasSubstr("33 levels of objects"));
  }
}

TEST(UnparseableRequest, InvalidUtf8InAStringFieldNamesTheFieldAndTheByte) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowRequest named;
  named.set_workflow(
      "gr\xc3\x28"
      "et");
  Refusal refusal = Call(*harness, "RunWorkflow", named.SerializePartialAsString());
  EXPECT_EQ(refusal.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refusal.status.error_message(),
              HasSubstr("field 'workflow' holds invalid UTF-8 (byte 0xc3 at offset 2 of the "
                        "string)"));

  v1::StreamWorkflowRequest inside;
  inside.set_workflow("greet");
  (*inside.mutable_input()->mutable_fields())["who"].set_string_value("\xff");
  refusal = Call(*harness, "StreamWorkflow", inside.SerializePartialAsString());
  EXPECT_EQ(refusal.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refusal.status.error_message(),
              HasSubstr("field 'input.fields[\"who\"].string_value' holds invalid UTF-8"));

  // protobuf said so too, in its own words: a JSON line like ours, marked as protobuf's.
  bool protobuf_line = false;
  for (const std::string& line : harness->log_lines()) {
    sdk::Json parsed = sdk::Json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(parsed.is_object()) << line;
    if (parsed.value("library", "") == "protobuf") {
      protobuf_line = true;
      EXPECT_THAT(parsed.value("msg", ""), HasSubstr("invalid UTF-8"));
      EXPECT_EQ(parsed.value("level", ""), "error");
    }
  }
  EXPECT_TRUE(protobuf_line);
}

TEST(UnparseableRequest, AValidRequestSentAsBytesRunsAsBefore) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowRequest request;
  request.set_workflow("greet");
  ASSERT_TRUE(JsonToStruct({{"who", "Ada"}}, *request.mutable_input()).ok());
  auto context = ServiceHarness::Context();
  std::string response;
  grpc::Status status = harness->RawCall("/flowhost.v1.WorkflowService/RunWorkflow",
                                         request.SerializeAsString(), &response, *context);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::RunWorkflowResponse reply;
  ASSERT_TRUE(reply.ParseFromString(response));
  ASSERT_EQ(reply.output_items_size(), 1);
  EXPECT_EQ(ValueToJson(reply.output_items(0)), sdk::Json({{"greeting", "Hello Ada"}}));
  // An empty request is a valid (empty) message: the service says what is missing.
  Refusal empty = Call(*harness, "GetWorkflow", "");
  EXPECT_EQ(empty.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(empty.status.error_message(), HasSubstr("name is required"));
  EXPECT_THAT(empty.status.error_message(), Not(HasSubstr("not a valid")));
}

}  // namespace
}  // namespace flowhost::service
