#include "flowhost/sdk/error.h"

#include "gtest/gtest.h"

namespace flowhost::sdk {
namespace {

TEST(NodeErrorTest, CarriesClassDetailsAndRetryAfter) {
  absl::Status status = NodeError(absl::StatusCode::kResourceExhausted, error_class::kRateLimited,
                                  "rate limited by the upstream", Json{{"provider", "Google"}},
                                  absl::Seconds(7));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorClassOf(status), "rate_limited");
  EXPECT_EQ(ErrorDetailsOf(status)["provider"], "Google");
  ASSERT_TRUE(RetryAfterOf(status).has_value());
  EXPECT_EQ(*RetryAfterOf(status), absl::Seconds(7));
}

TEST(NodeErrorTest, DetailsThatAreNotUtf8AreKeptWithReplacementCharactersNotThrown) {
  absl::Status status = NodeError(absl::StatusCode::kUnavailable, error_class::kUpstream, "boom",
                                  Json{{"body", "caf\xE9"}});
  EXPECT_EQ(ErrorDetailsOf(status)["body"], "caf\xEF\xBF\xBD");
}

TEST(NodeErrorTest, UnclassifiedStatusGetsAClassFromItsCode) {
  EXPECT_EQ(ErrorClassOf(absl::DeadlineExceededError("x")), "timeout");
  EXPECT_EQ(ErrorClassOf(absl::CancelledError("x")), "cancelled");
  EXPECT_EQ(ErrorClassOf(absl::UnavailableError("x")), "network");
  EXPECT_EQ(ErrorClassOf(absl::InvalidArgumentError("x")), "invalid_input");
  EXPECT_EQ(ErrorClassOf(absl::InternalError("x")), "failed");
  EXPECT_EQ(ErrorClassOf(absl::OkStatus()), "");
  EXPECT_TRUE(ErrorDetailsOf(absl::InternalError("x")).is_null());
  EXPECT_FALSE(RetryAfterOf(absl::InternalError("x")).has_value());
}

TEST(NodeErrorTest, AnnotateKeepsCodeAndPayloads) {
  absl::Status status =
      NodeError(absl::StatusCode::kUnavailable, error_class::kUpstream, "502 from provider");
  absl::Status annotated = Annotate(status, "node 'chat'");
  EXPECT_EQ(annotated.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(annotated.message(), "node 'chat': 502 from provider");
  EXPECT_EQ(ErrorClassOf(annotated), "upstream");
}

TEST(NodeErrorTest, OkCodeYieldsOk) {
  EXPECT_TRUE(NodeError(absl::StatusCode::kOk, "x", "y").ok());
}

}  // namespace
}  // namespace flowhost::sdk
