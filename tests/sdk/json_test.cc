// json.h: the type names used in messages, and member reads that never throw.
#include "flowhost/sdk/json.h"

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
