// AIP-158 pagination helpers.
#include "server/service/page_token.h"

#include "gtest/gtest.h"

namespace flowhost::service {
namespace {

TEST(PageToken, RoundTripsTheLastNameOfItsCollection) {
  std::string token = EncodePageToken("workflows", "ask-with-fallback");
  absl::StatusOr<std::string> after = DecodePageToken("workflows", token);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, "ask-with-fallback");
  EXPECT_EQ(*DecodePageToken("workflows", ""), "");
}

TEST(PageToken, TokensOfAnotherMethodOrGarbageAreInvalidArgument) {
  std::string token = EncodePageToken("node_types", "set");
  EXPECT_EQ(DecodePageToken("workflows", token).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("workflows", "!!not base64!!").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageToken, PageSizeDefaultsCapsAndRefusesNegatives) {
  EXPECT_EQ(*EffectivePageSize(0, 50, 1000), 50);
  EXPECT_EQ(*EffectivePageSize(7, 50, 1000), 7);
  EXPECT_EQ(*EffectivePageSize(5000, 50, 1000), 1000);
  EXPECT_EQ(EffectivePageSize(-1, 50, 1000).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flowhost::service
