#include "flowhost/sdk/did_you_mean.h"

#include "gtest/gtest.h"

namespace flowhost::sdk {
namespace {

TEST(DidYouMeanTest, EditDistanceCountsAdjacentSwapsAsOneEdit) {
  EXPECT_EQ(EditDistance("model", "model"), 0u);
  EXPECT_EQ(EditDistance("modle", "model"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(DidYouMeanTest, SuggestsTheLikeliestTypoAndNothingFarAway) {
  std::vector<std::string> names = {"mode", "model", "messages", "max_tokens"};
  EXPECT_EQ(ClosestMatch("modle", names), "model");
  EXPECT_EQ(ClosestMatch("mesages", names), "messages");
  EXPECT_EQ(ClosestMatch("temperature", names), "");
}

TEST(DidYouMeanTest, AShortWordIsNotMatchedToAnyOtherShortWord) {
  std::vector<std::string> fields = {"a", "b", "id", "n", "ok"};
  EXPECT_EQ(ClosestMatch("x", fields), "");
  EXPECT_EQ(ClosestMatch("y", {"ab"}), "");
  EXPECT_EQ(ClosestMatch("b", {"ab"}), "");
  EXPECT_EQ(ClosestMatch("di", fields), "id");
  EXPECT_EQ(ClosestMatch("ix", fields), "id");
}

}  // namespace
}  // namespace flowhost::sdk
