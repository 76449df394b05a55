// Parsing requests from bytes: what protobuf accepts is accepted, and what it refuses is explained
// (wire_diagnosis.h), field by field, for every way bytes can be wrong.
#include "server/service/request_parser.h"

#include <random>
#include <string>

#include "flowhost/v1/workflow_service.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "gtest/gtest.h"
#include "server/service/json_proto.h"

namespace flowhost::service {
namespace {

using ::testing::HasSubstr;

std::string Refusal(std::string_view bytes) {
  v1::RunWorkflowRequest request;
  absl::Status status = ParseRequestBytes(bytes, request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

v1::RunWorkflowRequest WithInput(const sdk::Json& input) {
  v1::RunWorkflowRequest request;
  request.set_workflow("ask");
  EXPECT_TRUE(JsonToStruct(input, *request.mutable_input()).ok());
  return request;
}

TEST(RequestParser, UsesProtobufsStandardNestingLimit) {
  EXPECT_EQ(kMaxRequestNesting, google::protobuf::io::CodedInputStream::GetDefaultRecursionLimit());
}

TEST(RequestParser, ParsesAValidRequestKeepingUnknownFields) {
  v1::RunWorkflowRequest request = WithInput({{"question", "héllo"}, {"n", 3}});
  std::string bytes = request.SerializeAsString();
  bytes += std::string("\xf8\x06\x01", 3);  // field 111, varint 1: a newer client's field
  v1::RunWorkflowRequest parsed;
  ASSERT_TRUE(ParseRequestBytes(bytes, parsed).ok());
  EXPECT_EQ(parsed.workflow(), "ask");
  EXPECT_EQ(StructToJson(parsed.input()), sdk::Json({{"question", "héllo"}, {"n", 3}}));
}

TEST(RequestParser, ExplainsBytesThatAreNotTheWireFormat) {
  EXPECT_THAT(Refusal(std::string(1, '\0')),
              HasSubstr("is not a valid flowhost.v1.RunWorkflowRequest: a field tag that is not "
                        "valid (field number 0, or a malformed varint) (byte 0)"));
  EXPECT_THAT(Refusal("\x0a\x10"
                      "abc"),
              HasSubstr("field 'workflow' claims 16 bytes but only 3 are left (byte 0)"));
  EXPECT_THAT(Refusal("\x10\xff\xff"), HasSubstr("field 'yaml' is a malformed varint (byte 0)"));
  EXPECT_THAT(Refusal("\x0c"), HasSubstr("an end-group tag with no group open (byte 0)"));
  EXPECT_THAT(Refusal("\x0f"), HasSubstr("field 'workflow' has wire type 7"));
  EXPECT_THAT(Refusal("\x0a\x03"
                      "ask"
                      "\x1d\x01\x02"),
              HasSubstr("field 'input' is cut short (byte 5)"));
  EXPECT_THAT(Refusal("\x0b\x08\x01"), HasSubstr("a group has no end-group tag"));
}

TEST(RequestParser, NamesTheStringFieldHoldingInvalidUtf8AndItsByte) {
  v1::RunWorkflowRequest request;
  request.set_workflow("ok\xed\xa0\x80");  // a UTF-16 surrogate, encoded
  EXPECT_THAT(Refusal(request.SerializePartialAsString()),
              HasSubstr("field 'workflow' holds invalid UTF-8 (byte 0xed at offset 2 of the "
                        "string); string fields must be UTF-8"));

  request = WithInput({{"list", {"fine", "fine"}}});
  (*request.mutable_input()->mutable_fields())["list"]
      .mutable_list_value()
      ->mutable_values(1)
      ->set_string_value("\xc0\xaf");  // overlong '/'
  EXPECT_THAT(Refusal(request.SerializePartialAsString()),
              HasSubstr("field 'input.fields[\"list\"].list_value.values[1].string_value' holds "
                        "invalid UTF-8 (byte 0xc0 at offset 0"));

  request = WithInput(sdk::Json::object());
  (*request.mutable_input()->mutable_fields())["k\xff"].set_number_value(1);
  EXPECT_THAT(Refusal(request.SerializePartialAsString()),
              HasSubstr("field 'input.fields[\"k?\"].key' holds invalid UTF-8"));
}

TEST(RequestParser, RefusesNestingBeyondTheLimitAtTheLevelProtobufDoes) {
  // Objects cost three levels each: 33 fit in 100, 34 do not.
  auto nested = [](int levels) {
    sdk::Json value = "leaf";
    for (int i = 0; i < levels; ++i) value = sdk::Json{{"a", value}};
    return value;
  };
  v1::RunWorkflowRequest parsed;
  EXPECT_TRUE(ParseRequestBytes(WithInput(nested(33)).SerializeAsString(), parsed).ok());
  std::string message = Refusal(WithInput(nested(34)).SerializeAsString());
  EXPECT_THAT(message, HasSubstr("messages nest more than 100 levels deep (at field "
                                 "'input.fields[\"a\"].struct_value.fields[\"a\"]."));
  EXPECT_THAT(message, HasSubstr("so input values nest at most 33 levels of objects"));
  // A long path is shown by its start and its end.
  message = Refusal(WithInput(nested(90)).SerializeAsString());
  EXPECT_THAT(message, HasSubstr("..."));
  EXPECT_LT(message.size(), 500u);
}

TEST(RequestParser, AgreesWithProtobufOnRandomAndMutatedBytes) {
  // Whatever the bytes, the parse succeeds exactly when protobuf's does, and a refusal always
  // says something; it never crashes.
  std::mt19937 random(12);
  std::string valid =
      WithInput({{"q", "text"}, {"list", {1, "two", {{"k", true}}}}}).SerializeAsString();
  for (int i = 0; i < 20000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes = valid;
      for (int flips = 1 + i % 4; flips > 0; --flips) {
        bytes[random() % bytes.size()] = static_cast<char>(random());
      }
      if (i % 7 == 0) bytes.resize(random() % bytes.size());
    } else {
      bytes.resize(random() % 40);
      for (char& c : bytes) c = static_cast<char>(random());
    }
    v1::RunWorkflowRequest ours;
    v1::RunWorkflowRequest theirs;
    absl::Status status = ParseRequestBytes(bytes, ours);
    ASSERT_EQ(status.ok(), theirs.ParseFromString(bytes)) << i << ": " << status;
    if (!status.ok()) {
      EXPECT_THAT(std::string(status.message()),
                  HasSubstr("is not a valid flowhost.v1.RunWorkflowRequest: "));
    }
  }
}

}  // namespace
}  // namespace flowhost::service
