// Items travel as google.protobuf.Value: the round trip must keep what a JSON user expects.
#include "server/service/json_proto.h"

#include "gtest/gtest.h"

namespace flowhost::service {
namespace {

using sdk::Json;

TEST(JsonProto, ObjectsRoundTripThroughStruct) {
  Json item = Json::parse(R"({"answer": "hi", "n": 3, "ratio": 0.25, "ok": true, "none": null,
                              "list": [1, "two", {"three": 3}], "nested": {"deep": {"x": -7}}})");
  google::protobuf::Struct proto;
  ASSERT_TRUE(JsonToStruct(item, proto).ok());
  EXPECT_EQ(StructToJson(proto), item);
}

TEST(JsonProto, IntegralNumbersComeBackAsIntegersSoIntegerInputsValidate) {
  google::protobuf::Value value;
  value.set_number_value(3.0);
  EXPECT_TRUE(ValueToJson(value).is_number_integer());
  value.set_number_value(3.5);
  EXPECT_TRUE(ValueToJson(value).is_number_float());
  value.set_number_value(1e300);  // integral but far beyond 2^53: stays a double
  EXPECT_TRUE(ValueToJson(value).is_number_float());
}

TEST(JsonProto, NonObjectIsRefusedAsAStruct) {
  google::protobuf::Struct proto;
  absl::Status status = JsonToStruct(Json::array({1, 2}), proto);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonProto, ValuesNestedBeyondTheLimitAreRefusedNotCrashed) {
  Json deep = 1;
  for (int i = 0; i < kMaxJsonDepth + 5; ++i) deep = Json::array({deep});
  google::protobuf::Value value;
  absl::Status status = JsonToValue(deep, value);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonProto, NonFiniteNumbersBecomeNull) {
  google::protobuf::Value value;
  ASSERT_TRUE(JsonToValue(Json(std::numeric_limits<double>::infinity()), value).ok());
  EXPECT_EQ(value.kind_case(), google::protobuf::Value::kNullValue);
}

}  // namespace
}  // namespace flowhost::service
