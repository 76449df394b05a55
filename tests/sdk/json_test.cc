// json.h: the type names used in messages, and member reads that never throw.
#include "flowhost/sdk/json.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace flowhost::sdk {
namespace {

TEST(JsonTest, TypeNamesTellIntegersFromOtherNumbers) {
  EXPECT_EQ(JsonTypeName(Json(3)), "integer");
  EXPECT_EQ(JsonTypeName(Json(3u)), "integer");
  EXPECT_EQ(JsonTypeName(Json(2.5)), "number");
  EXPECT_EQ(JsonTypeName(Json("x")), "string");
  EXPECT_EQ(JsonTypeName(Json::array()), "array");
  EXPECT_EQ(JsonTypeName(Json::object()), "object");
  EXPECT_EQ(JsonTypeName(Json(nullptr)), "null");
  EXPECT_EQ(JsonTypeName(Json(true)), "boolean");
}

TEST(JsonTest, FieldReadsReturnTheMemberWhenItHasTheExpectedType) {
  Json object = {{"name", "ada"}, {"on", true}, {"count", 7}, {"ratio", 2.9}};
  EXPECT_EQ(StringField(object, "name"), "ada");
  EXPECT_TRUE(BoolField(object, "on"));
  EXPECT_EQ(IntField(object, "count"), 7);
  EXPECT_EQ(IntField(object, "ratio"), 2) << "a fraction is dropped";
}

// Found by tests/fuzz (chat_response): `"completion_tokens": 2e34` in a usage object converted a
// double beyond int64 to int64, which is undefined behaviour.
TEST(JsonTest, IntFieldSaturatesNumbersBeyondInt64) {
  Json object = Json::parse(R"({"big": 2e34, "small": -1e300, "huge": 18446744073709551615,
                                "edge": 9223372036854775807, "low": -9223372036854775808})");
  EXPECT_EQ(IntField(object, "big"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(IntField(object, "small"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(IntField(object, "huge"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(IntField(object, "edge"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(IntField(object, "low"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(IntField(Json{{"nan", std::nan("")}}, "nan", 7), 7);
}

TEST(JsonTest, FieldReadsFallBackForAbsentOrMistypedMembersAndNonObjects) {
  Json object = {{"name", 5}, {"on", "yes"}, {"count", "7"}};
  EXPECT_EQ(StringField(object, "name", "none"), "none");
  EXPECT_EQ(StringField(object, "missing"), "");
  EXPECT_FALSE(BoolField(object, "on"));
  EXPECT_TRUE(BoolField(object, "missing", true));
  EXPECT_EQ(IntField(object, "count", -1), -1);
  EXPECT_EQ(IntField(object, "missing"), 0);
  for (const Json& not_an_object : {Json(nullptr), Json::array({1}), Json("name")}) {
    EXPECT_EQ(StringField(not_an_object, "name", "fallback"), "fallback");
    EXPECT_TRUE(BoolField(not_an_object, "on", true));
    EXPECT_EQ(IntField(not_an_object, "count", 4), 4);
  }
}

}  // namespace
}  // namespace flowhost::sdk
