// Error classification: every class from OpenRouter's HTTP statuses and error bodies, mid-stream
// error events with numeric and string codes, Retry-After in both forms, and the key never shown.
#include "nodes/openrouter_client/error_classifier.h"

#include <string>

#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kAnswerTime = absl::FromUnixSeconds(1'700'000'000);

CallDescription Chat(const Endpoint* endpoint = nullptr) {
  return CallDescription{"chat completion", "openai/gpt-4o-mini", endpoint};
}

std::string Body(int code, std::string message, Json metadata = nullptr) {
  Json error = {{"code", code}, {"message", message}};
  if (!metadata.is_null()) error["metadata"] = metadata;
  return Json{{"error", error}}.dump();
}

struct StatusCase {
  int status;
  std::string message;
  Json metadata;
  std::string expected_class;
  absl::StatusCode expected_code;
};

class HttpStatusClassification : public ::testing::TestWithParam<StatusCase> {};

TEST_P(HttpStatusClassification, GivesTheClassAndKeepsOpenRoutersMessage) {
  const StatusCase& c = GetParam();
  absl::Status status =
      ClassifyHttpError(c.status, Body(c.status, c.message, c.metadata), {}, kAnswerTime, Chat());
  EXPECT_EQ(sdk::ErrorClassOf(status), c.expected_class) << status;
  EXPECT_EQ(status.code(), c.expected_code) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(c.message));
  EXPECT_THAT(std::string(status.message()), HasSubstr("openai/gpt-4o-mini"));
  Json details = sdk::ErrorDetailsOf(status);
  EXPECT_EQ(details["http_status"], c.status);
  EXPECT_EQ(details["message"], c.message);
  if (!c.metadata.is_null()) {
    EXPECT_EQ(details["metadata"], c.metadata);
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryClass, HttpStatusClassification,
    ::testing::Values(
        StatusCase{429, "Rate limit exceeded", nullptr, "rate_limited",
                   absl::StatusCode::kResourceExhausted},
        StatusCase{402, "Insufficient credits", nullptr, "insufficient_credits",
                   absl::StatusCode::kFailedPrecondition},
        StatusCase{401, "No auth credentials found", nullptr, "auth",
                   absl::StatusCode::kFailedPrecondition},
        StatusCase{403, "Key is disabled", nullptr, "auth", absl::StatusCode::kFailedPrecondition},
        StatusCase{403, "Input was flagged",
                   Json{{"reasons", {"violence"}}, {"flagged_input", "..."}}, "moderation",
                   absl::StatusCode::kInvalidArgument},
        StatusCase{403, "Request blocked: prompt injection patterns detected",
                   Json{{"guardrail", "prompt_injection"}}, "moderation",
                   absl::StatusCode::kInvalidArgument},
        StatusCase{403, "Budget limit exceeded",
                   Json{{"limit_source", "openrouter_key_limit"}, {"limit_usd", 10}},
                   "insufficient_credits", absl::StatusCode::kFailedPrecondition},
        StatusCase{403,
                   "No endpoints available matching your guardrail restrictions and data "
                   "policy. Configure: https://openrouter.ai/settings/privacy",
                   nullptr, "forbidden", absl::StatusCode::kFailedPrecondition},
        StatusCase{403, "Forbidden", nullptr, "forbidden", absl::StatusCode::kFailedPrecondition},
        StatusCase{403, "This API key is disabled", nullptr, "auth",
                   absl::StatusCode::kFailedPrecondition},
        StatusCase{400, "Invalid temperature", nullptr, "bad_request",
                   absl::StatusCode::kInvalidArgument},
        StatusCase{400,
                   "This endpoint's maximum context length is 8192 tokens. However, you "
                   "requested about 9000 tokens",
                   nullptr, "context_length", absl::StatusCode::kInvalidArgument},
        StatusCase{400, "foo/bar is not a valid model ID", nullptr, "not_found",
                   absl::StatusCode::kNotFound},
        StatusCase{408, "Request timed out", nullptr, "timeout",
                   absl::StatusCode::kDeadlineExceeded},
        StatusCase{500, "Internal Server Error", nullptr, "upstream",
                   absl::StatusCode::kUnavailable},
        StatusCase{502, "Provider returned error",
                   Json{{"provider_name", "Anthropic"}, {"raw", "overloaded"}}, "upstream",
                   absl::StatusCode::kUnavailable},
        StatusCase{503, "No available provider", nullptr, "upstream",
                   absl::StatusCode::kUnavailable}));

TEST(ErrorClassifier, NamesTheProviderOfA502) {
  absl::Status status =
      ClassifyHttpError(502, Body(502, "Provider returned error", {{"provider_name", "Anthropic"}}),
                        {}, kAnswerTime, Chat());
  EXPECT_THAT(std::string(status.message()), HasSubstr("Anthropic"));
  EXPECT_EQ(sdk::ErrorDetailsOf(status)["provider"], "Anthropic");
}

TEST(ErrorClassifier, ListsModerationReasons) {
  absl::Status status = ClassifyHttpError(
      403, Body(403, "flagged", {{"reasons", {"violence", "hate"}}}), {}, kAnswerTime, Chat());
  EXPECT_THAT(std::string(status.message()), HasSubstr("violence, hate"));
}

TEST(ErrorClassifier, TakesRetryAfterSecondsFromTheHeader) {
  absl::Status status =
      ClassifyHttpError(429, Body(429, "slow down"), {{"Retry-After", "7"}}, kAnswerTime, Chat());
  ASSERT_TRUE(sdk::RetryAfterOf(status).has_value());
  EXPECT_EQ(*sdk::RetryAfterOf(status), absl::Seconds(7));
}

TEST(ErrorClassifier, TakesRetryAfterAsAnHttpDate) {
  // kAnswerTime is Tue, 14 Nov 2023 22:13:20 GMT; 40 seconds later:
  absl::Status status =
      ClassifyHttpError(429, Body(429, "slow down"),
                        {{"retry-after", "Tue, 14 Nov 2023 22:14:00 GMT"}}, kAnswerTime, Chat());
  ASSERT_TRUE(sdk::RetryAfterOf(status).has_value());
  EXPECT_EQ(*sdk::RetryAfterOf(status), absl::Seconds(40));
}

TEST(ErrorClassifier, TakesTheRateLimitResetFromOpenRoutersMetadataHeaders) {
  int64_t reset_ms = absl::ToUnixMillis(kAnswerTime + absl::Seconds(12));
  absl::Status status =
      ClassifyHttpError(429,
                        Body(429, "Rate limit exceeded",
                             {{"headers", {{"X-RateLimit-Reset", std::to_string(reset_ms)}}}}),
                        {}, kAnswerTime, Chat());
  ASSERT_TRUE(sdk::RetryAfterOf(status).has_value());
  EXPECT_EQ(*sdk::RetryAfterOf(status), absl::Seconds(12));
}

TEST(ErrorClassifier, CutsARetryAfterOfDecadesToTheCeiling) {
  // Delta-seconds, an HTTP-date in 2099, a metadata retry_after and a rate-limit reset: each one
  // far away is cut to five minutes by default, or to the call's own ceiling.
  const sdk::HttpHeaders headers[] = {
      {{"Retry-After", "999999999"}}, {{"Retry-After", "Thu, 01 Jan 2099 00:00:00 GMT"}}, {}};
  const Json metadata[] = {nullptr, nullptr, Json{{"retry_after", 999999999}}};
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    absl::Status status =
        ClassifyHttpError(429, Body(429, "slow down", metadata[i]), headers[i], kAnswerTime, Chat());
    EXPECT_EQ(sdk::RetryAfterOf(status), absl::Minutes(5));
    CallDescription strict = Chat();
    strict.max_retry_after = absl::Seconds(30);
    status = ClassifyHttpError(429, Body(429, "slow down", metadata[i]), headers[i], kAnswerTime, strict);
    EXPECT_EQ(sdk::RetryAfterOf(status), absl::Seconds(30));
  }
  int64_t reset_ms =
      absl::ToUnixMillis(absl::FromCivil(absl::CivilDay(2099, 1, 1), absl::UTCTimeZone()));
  absl::Status status = ClassifyErrorObject(
      {{"code", 429},
       {"message", "slow"},
       {"metadata", {{"headers", {{"X-RateLimit-Reset", std::to_string(reset_ms)}}}}}},
      /*mid_stream=*/false, kAnswerTime, Chat());
  EXPECT_EQ(sdk::RetryAfterOf(status), absl::Minutes(5));
  // A delay under the ceiling is kept as it is.
  status = ClassifyHttpError(429, Body(429, "slow"), {{"Retry-After", "299"}}, kAnswerTime, Chat());
  EXPECT_EQ(sdk::RetryAfterOf(status), absl::Seconds(299));
}

TEST(ErrorClassifier, ClassifiesABodyThatIsNotOpenRoutersShapeByStatus) {
  absl::Status status =
      ClassifyHttpError(503, "<html>Service Unavailable</html>", {}, kAnswerTime, Chat());
  EXPECT_EQ(sdk::ErrorClassOf(status), "upstream");
  EXPECT_THAT(std::string(status.message()), HasSubstr("Service Unavailable"));
}

// Found by tests/fuzz (error_classifier): the details' JSON dump threw on such a body, and the
// uncaught exception aborted the process.
TEST(ErrorClassifier, QuotesABodyThatIsNotUtf8AsValidUtf8InsteadOfAborting) {
  const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD
  absl::Status latin1 = ClassifyHttpError(502, "<p>Caf\xE9 ferm\xE9</p>", {}, kAnswerTime, Chat());
  EXPECT_EQ(sdk::ErrorClassOf(latin1), "upstream");
  EXPECT_THAT(std::string(latin1.message()), HasSubstr("<p>Caf" + replacement + " ferm"));
  EXPECT_EQ(sdk::ErrorDetailsOf(latin1)["message"],
            "<p>Caf" + replacement + " ferm" + replacement + "</p>");

  // 200 bytes cut a two-byte character in half: the half becomes U+FFFD too.
  std::string accents = "x";
  for (int i = 0; i < 150; ++i) accents += "\xC3\xA9";  // é
  absl::Status cut = ClassifyHttpError(500, accents, {}, kAnswerTime, Chat());
  std::string message = sdk::ErrorDetailsOf(cut)["message"].get<std::string>();
  EXPECT_EQ(message.substr(message.size() - 3), replacement);
  EXPECT_NO_THROW(Json(std::string(cut.message())).dump());
}

TEST(ErrorClassifier, ClassifiesMidStreamErrorsWithNumericCodes) {
  Json error = {{"code", 502},
                {"message", "Provider returned error"},
                {"metadata", {{"provider_name", "Anthropic"}}}};
  absl::Status status = ClassifyErrorObject(error, /*mid_stream=*/true, kAnswerTime, Chat());
  EXPECT_EQ(sdk::ErrorClassOf(status), "upstream");
  EXPECT_THAT(std::string(status.message()), HasSubstr("mid-stream"));
  EXPECT_EQ(sdk::ErrorDetailsOf(status)["code"], 502);
}

TEST(ErrorClassifier, ClassifiesMidStreamErrorsWithStringCodes) {
  struct Case {
    std::string code, message, expected;
  };
  for (const Case& c :
       {Case{"server_error", "boom", "upstream"},
        Case{"rate_limit_exceeded", "slow", "rate_limited"}, Case{"429", "slow", "rate_limited"},
        Case{"context_length_exceeded", "too long", "context_length"},
        Case{"timeout", "took too long", "timeout"},
        Case{"content_filter", "flagged", "moderation"},
        Case{"content_policy_violation", "blocked by a content filter", "moderation"},
        Case{"permission_denied", "Request blocked: prompt injection patterns detected",
             "moderation"},
        Case{"permission_denied", "the key lacks the required permission", "auth"},
        Case{"forbidden", "No endpoints available matching your data policy", "forbidden"},
        Case{"key_disabled", "This key is disabled", "auth"},
        Case{"something_new", "??", "upstream"}}) {
    absl::Status status = ClassifyErrorObject({{"code", c.code}, {"message", c.message}},
                                              /*mid_stream=*/true, kAnswerTime, Chat());
    EXPECT_EQ(sdk::ErrorClassOf(status), c.expected) << c.code;
    EXPECT_EQ(sdk::ErrorDetailsOf(status)["code"], c.code);
  }
}

TEST(ErrorClassifier, KeepsTheTransportClassAndSaysWhichCallFailed) {
  absl::Status transport =
      sdk::NodeError(absl::StatusCode::kUnavailable, "network", "connection reset by peer");
  absl::Status status = ClassifyTransportError(transport, Chat());
  EXPECT_EQ(sdk::ErrorClassOf(status), "network");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), HasSubstr("connection reset"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("openai/gpt-4o-mini"));
}

TEST(ErrorClassifier, MalformedResponsesAreTheirOwnClass) {
  absl::Status status = MalformedResponse("no choices", Chat());
  EXPECT_EQ(sdk::ErrorClassOf(status), "malformed_response");
  EXPECT_THAT(std::string(status.message()), HasSubstr("no choices"));
}

TEST(ErrorClassifier, NeverRepeatsTheKeyEvenWhenTheUpstreamEchoesIt) {
  Endpoint endpoint;
  endpoint.api_key = sdk::Secret("sk-or-v1-secret-123");
  absl::Status status = ClassifyHttpError(
      401, Body(401, "bad key sk-or-v1-secret-123", {{"key", "sk-or-v1-secret-123"}}), {}, kAnswerTime,
      Chat(&endpoint));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("sk-or-v1-secret-123")));
  EXPECT_THAT(sdk::ErrorDetailsOf(status).dump(), Not(HasSubstr("sk-or-v1-secret-123")));
  EXPECT_THAT(std::string(status.message()), HasSubstr("<redacted>"));
}

// Found by tests/fuzz (chat_response): the error's code and provider went into the details as the
// upstream sent them.
TEST(ErrorClassifier, NeverRepeatsTheKeyInTheCodeOrProviderEither) {
  Endpoint endpoint;
  endpoint.api_key = sdk::Secret("sk-or-v1-secret-123");
  Json error = {{"code", "bad_sk-or-v1-secret-123"},
                {"message", "x"},
                {"metadata", {{"provider_name", "p sk-or-v1-secret-123"}}}};
  for (bool mid_stream : {false, true}) {
    absl::Status status = ClassifyErrorObject(error, mid_stream, kAnswerTime, Chat(&endpoint));
    std::string details = sdk::ErrorDetailsOf(status).dump();
    EXPECT_THAT(details, Not(HasSubstr("sk-or-v1-secret-123")));
    EXPECT_THAT(details, HasSubstr("\"code\":\"bad_<redacted>\""));
    EXPECT_THAT(details, HasSubstr("\"provider\":\"p <redacted>\""));
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("sk-or-v1-secret-123")));
  }
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
