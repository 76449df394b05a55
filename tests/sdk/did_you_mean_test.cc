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

// Candidates too far in length to win are skipped unmeasured: the answers are those of measuring
// every candidate, including on ties and for words far longer than any name.
TEST(DidYouMeanTest, SkippingCandidatesByLengthGivesTheSameAnswers) {
  std::vector<std::string> names = {"max_tokens", "mode", "model", "models", "modeling"};
  EXPECT_EQ(ClosestMatch("modle", names), "model");
  EXPECT_EQ(ClosestMatch("modelx", names), "models");  // a tie with "model", same length wins
  EXPECT_EQ(ClosestMatch("max_token", names), "max_tokens");
  EXPECT_EQ(ClosestMatch(std::string(4096, 'm'), names), "");
  EXPECT_EQ(ClosestMatch(std::string(300, 'm') + "odel", {std::string(300, 'm') + "odle"}),
            std::string(300, 'm') + "odle");
}

}  // namespace
}  // namespace flowhost::sdk
