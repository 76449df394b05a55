#include "flowhost/sdk/json_pointer.h"

#include "gtest/gtest.h"

namespace flowhost::sdk {
namespace {

TEST(JsonPointerTest, ChildPointersEscapeTildeAndSlash) {
  EXPECT_EQ(ChildPointer("", "model"), "/model");
  EXPECT_EQ(ChildPointer("/routes", 2), "/routes/2");
  EXPECT_EQ(ChildPointer("/values", "a/b~c"), "/values/a~1b~0c");
  EXPECT_EQ(ChildPointer("", ""), "/");
}

}  // namespace
}  // namespace flowhost::sdk
