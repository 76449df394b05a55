// The gRPC code -> HTTP status table, the google.rpc.Status error body and the JSON mapping of
// the API's messages (http_status.h).
#include "server/http_api/http_status.h"

#include "flowhost/sdk/json.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace flowhost::http_api {
namespace {

using ::testing::HasSubstr;

TEST(HttpStatusTable, EveryGrpcCodeHasTheDocumentedHttpStatus) {
  const std::pair<grpc::StatusCode, int> table[] = {
      {grpc::StatusCode::OK, 200},
      {grpc::StatusCode::CANCELLED, 499},
      {grpc::StatusCode::UNKNOWN, 500},
      {grpc::StatusCode::INVALID_ARGUMENT, 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504},
      {grpc::StatusCode::NOT_FOUND, 404},
      {grpc::StatusCode::ALREADY_EXISTS, 409},
      {grpc::StatusCode::PERMISSION_DENIED, 403},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {grpc::StatusCode::FAILED_PRECONDITION, 400},
      {grpc::StatusCode::ABORTED, 409},
      {grpc::StatusCode::OUT_OF_RANGE, 400},
      {grpc::StatusCode::UNIMPLEMENTED, 501},
      {grpc::StatusCode::INTERNAL, 500},
      {grpc::StatusCode::UNAVAILABLE, 503},
      {grpc::StatusCode::DATA_LOSS, 500},
      {grpc::StatusCode::UNAUTHENTICATED, 401},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFor(code), http) << static_cast<int>(code);
  }
}

TEST(HttpErrorBody, IsAGoogleRpcStatusWithTheErrorDetailsAsAnAny) {
  v1::ErrorDetails details;
  details.set_error_class("not_found");
  details.set_workflow("nope");
  nlohmann::json body = nlohmann::json::parse(
      ErrorBody(grpc::Status(grpc::StatusCode::NOT_FOUND, "no workflow named 'nope'"), details));
  EXPECT_EQ(body["code"], 5);
  EXPECT_EQ(body["message"], "no workflow named 'nope'");
  ASSERT_EQ(body["details"].size(), 1u);
  EXPECT_EQ(body["details"][0]["@type"], "type.googleapis.com/flowhost.v1.ErrorDetails");
  EXPECT_EQ(body["details"][0]["errorClass"], "not_found");
  EXPECT_EQ(body["details"][0]["workflow"], "nope");

  nlohmann::json bare = nlohmann::json::parse(
      ErrorBody(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad"), std::nullopt));
  EXPECT_EQ(bare["code"], 3);
  EXPECT_TRUE(bare["details"].empty());
}

TEST(HttpJsonMapping, ParsesEitherFieldSpellingAndPrintsDefaults) {
  v1::ListWorkflowsRequest request;
  ASSERT_TRUE(
      JsonToMessage(R"({"page_size": "3", "pageToken": "t", "view": "WORKFLOW_VIEW_FULL"})",
                    "the query string", request)
          .ok());
  EXPECT_EQ(request.page_size(), 3);
  EXPECT_EQ(request.page_token(), "t");
  EXPECT_EQ(request.view(), v1::WORKFLOW_VIEW_FULL);

  v1::ValidateWorkflowResponse response;
  EXPECT_THAT(MessageToJson(response), HasSubstr("\"valid\":false"));
}

TEST(HttpJsonMapping, AMalformedOrUnknownFieldIsRefusedNamingIt) {
  v1::RunWorkflowRequest request;
  absl::Status unknown = JsonToMessage(R"({"inptu": {}})", "the request body", request);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.message(), HasSubstr("the request body does not fit "
                                           "flowhost.v1.RunWorkflowRequest"));
  EXPECT_THAT(unknown.message(), HasSubstr("inptu"));

  absl::Status malformed = JsonToMessage(R"({"input": )", "the request body", request);
  EXPECT_EQ(malformed.code(), absl::StatusCode::kInvalidArgument);
}

// Protobuf quotes the body after "Encountered non UTF-8 code points.", stray bytes and all; the
// message that goes back to the caller stays UTF-8 (found by the http_request fuzzer).
TEST(HttpJsonMapping, ABodyThatIsNotUtf8IsRefusedInAMessageThatIs) {
  v1::RunWorkflowRequest request;
  absl::Status refused = JsonToMessage("{\"\x9C\rom\"}", "the request body", request);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(refused.message());
  EXPECT_THAT(message, HasSubstr("non UTF-8"));
  EXPECT_EQ(message.find('\x9C'), std::string::npos) << message;
  EXPECT_NO_THROW((void)sdk::Json(message).dump()) << message;
}

}  // namespace
}  // namespace flowhost::http_api
