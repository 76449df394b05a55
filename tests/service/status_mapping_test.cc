// The status mapping table of issue 5 (item 4), row by row, plus what travels with the status: the
// details in the trailers and messages free of secrets.
#include "server/service/status_mapping.h"

#include <string>
#include <vector>

#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowhost::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Row {
  std::string name;  // for the test's name
  absl::Status status;
  grpc::StatusCode expected;
};

absl::Status Classified(absl::StatusCode code, std::string_view error_class) {
  return sdk::NodeError(code, error_class, "something went wrong");
}

std::vector<Row> Table() {
  namespace ec = sdk::error_class;
  using absl::StatusCode;
  return {
      {"RateLimitedWithNoFallbackLeftIsResourceExhausted",
       Classified(StatusCode::kUnavailable, ec::kRateLimited),
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"UpstreamAfterAllFallbacksIsUnavailable", Classified(StatusCode::kInternal, ec::kUpstream),
       grpc::StatusCode::UNAVAILABLE},
      {"NetworkIsUnavailable", Classified(StatusCode::kUnknown, ec::kNetwork),
       grpc::StatusCode::UNAVAILABLE},
      {"MalformedResponseIsUnavailable", Classified(StatusCode::kInternal, ec::kMalformedResponse),
       grpc::StatusCode::UNAVAILABLE},
      {"AuthIsFailedPrecondition", Classified(StatusCode::kPermissionDenied, ec::kAuth),
       grpc::StatusCode::FAILED_PRECONDITION},
      {"UpstreamForbiddenIsFailedPrecondition",
       Classified(StatusCode::kFailedPrecondition, ec::kForbidden),
       grpc::StatusCode::FAILED_PRECONDITION},
      {"InsufficientCreditsIsFailedPrecondition",
       Classified(StatusCode::kResourceExhausted, ec::kInsufficientCredits),
       grpc::StatusCode::FAILED_PRECONDITION},
      {"InvalidInputIsInvalidArgument", Classified(StatusCode::kInvalidArgument, ec::kInvalidInput),
       grpc::StatusCode::INVALID_ARGUMENT},
      {"BadYamlIsInvalidArgument", absl::InvalidArgumentError("<inline>:3:5: error: bad"),
       grpc::StatusCode::INVALID_ARGUMENT},
      {"UpstreamBadRequestIsInvalidArgument", Classified(StatusCode::kUnknown, ec::kBadRequest),
       grpc::StatusCode::INVALID_ARGUMENT},
      {"ContextLengthIsInvalidArgument", Classified(StatusCode::kUnknown, ec::kContextLength),
       grpc::StatusCode::INVALID_ARGUMENT},
      {"ModerationIsInvalidArgument", Classified(StatusCode::kInvalidArgument, ec::kModeration),
       grpc::StatusCode::INVALID_ARGUMENT},
      {"TimeoutIsDeadlineExceeded", Classified(StatusCode::kUnavailable, ec::kTimeout),
       grpc::StatusCode::DEADLINE_EXCEEDED},
      {"CallerDeadlineIsDeadlineExceeded", absl::DeadlineExceededError("deadline passed"),
       grpc::StatusCode::DEADLINE_EXCEEDED},
      {"CancelledIsCancelled", absl::CancelledError("caller went away"),
       grpc::StatusCode::CANCELLED},
      {"LimitExceededIsResourceExhausted",
       Classified(StatusCode::kFailedPrecondition, ec::kLimitExceeded),
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"TooManyExecutionsIsResourceExhausted",
       Classified(StatusCode::kResourceExhausted, ec::kLimitExceeded),
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"QueueFullIsResourceExhausted", Classified(StatusCode::kUnavailable, ec::kQueueFull),
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"NotFoundIsNotFound", Classified(StatusCode::kNotFound, ec::kNotFound),
       grpc::StatusCode::NOT_FOUND},
      {"DrainingIsUnavailable",
       Classified(StatusCode::kUnavailable, service_error_class::kUnavailable),
       grpc::StatusCode::UNAVAILABLE},
      {"MissingTokenIsUnauthenticated",
       Classified(StatusCode::kUnauthenticated, service_error_class::kUnauthenticated),
       grpc::StatusCode::UNAUTHENTICATED},
      {"WrongTokenIsPermissionDenied",
       Classified(StatusCode::kPermissionDenied, service_error_class::kPermissionDenied),
       grpc::StatusCode::PERMISSION_DENIED},
      {"UnexpectedInternalIsInternal", absl::InternalError("invariant broken"),
       grpc::StatusCode::INTERNAL},
      {"UnknownIsInternal", absl::UnknownError("no idea"), grpc::StatusCode::INTERNAL},
      {"DataLossIsInternal", absl::DataLossError("lost"), grpc::StatusCode::INTERNAL},
      {"FailNodeKeepsItsOwnCode", Classified(StatusCode::kAborted, ec::kFailed),
       grpc::StatusCode::ABORTED},
      {"UnknownPluginClassFallsBackToTheCode",
       Classified(StatusCode::kFailedPrecondition, "my_plugin_thing"),
       grpc::StatusCode::FAILED_PRECONDITION},
  };
}

class StatusMappingTable : public ::testing::TestWithParam<Row> {};

TEST_P(StatusMappingTable, MapsTheErrorClassToTheDocumentedCode) {
  const Row& row = GetParam();
  EXPECT_EQ(GrpcCodeFor(row.status), row.expected);
  MappedError mapped = MapError(row.status, {}, common::SecretScrubber());
  EXPECT_EQ(mapped.status.error_code(), row.expected);
  EXPECT_FALSE(mapped.status.error_message().empty());
  EXPECT_EQ(mapped.details.error_class(), sdk::ErrorClassOf(row.status));
}

INSTANTIATE_TEST_SUITE_P(AllClasses, StatusMappingTable, ::testing::ValuesIn(Table()),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.name; });

TEST(StatusMapping, DetailsCarryClassNodeAttemptsRetryAfterAndCalls) {
  absl::Status status =
      sdk::NodeError(absl::StatusCode::kResourceExhausted, sdk::error_class::kRateLimited,
                     "429 from upstream", nullptr, absl::Seconds(7));
  FailureContext context;
  context.execution_id = "exec-1";
  context.workflow = "ask";
  context.node = "chat";
  context.attempts = 3;
  for (int i = 0; i < 20; ++i) {
    sdk::AttemptRecord call;
    call.model = "fake/fail429";
    call.outcome = "error";
    call.error_class = "rate_limited";
    context.calls.push_back(call);
  }

  MappedError mapped = MapError(status, context, common::SecretScrubber());

  EXPECT_EQ(mapped.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(mapped.status.error_message(), HasSubstr("node 'chat' failed: 429 from upstream"));
  EXPECT_EQ(mapped.details.error_class(), "rate_limited");
  EXPECT_EQ(mapped.details.execution_id(), "exec-1");
  EXPECT_EQ(mapped.details.workflow(), "ask");
  EXPECT_EQ(mapped.details.node(), "chat");
  EXPECT_EQ(mapped.details.attempts(), 3);
  EXPECT_EQ(mapped.details.retry_after().seconds(), 7);
  ASSERT_EQ(mapped.details.calls_size(), static_cast<int>(kMaxDetailCalls));
  EXPECT_EQ(mapped.details.calls(0).model(), "fake/fail429");
}

TEST(StatusMapping, DetailsCutARetryAfterOfDecadesToTheCeiling) {
  // A plugin's error, or anything that did not cut its own delay: the details never tell a caller
  // to come back in 31 years.
  absl::Status status =
      sdk::NodeError(absl::StatusCode::kResourceExhausted, sdk::error_class::kRateLimited,
                     "429 from upstream", nullptr, absl::Hours(24 * 365 * 31));
  EXPECT_EQ(MapError(status, {}, common::SecretScrubber()).details.retry_after().seconds(), 300);
  EXPECT_EQ(MapError(status, {}, common::SecretScrubber(), absl::Seconds(42))
                .details.retry_after()
                .seconds(),
            42);
}

TEST(StatusMapping, MessageNamingTheNodeAlreadyIsNotPrefixedAgain) {
  absl::Status status = absl::InvalidArgumentError("node 'chat': parameter 'model' is empty");
  FailureContext context;
  context.node = "chat";
  MappedError mapped = MapError(status, context, common::SecretScrubber());
  EXPECT_EQ(mapped.status.error_message(), "node 'chat': parameter 'model' is empty");
}

TEST(StatusMapping, InvalidYamlDetailsListErrorsFirstWithLineAndColumn) {
  FailureContext context;
  workflow::Diagnostic warning;
  warning.severity = workflow::Diagnostic::Severity::kWarning;
  warning.location = {"<inline>", 2, 1};
  warning.message = "unused input 'x'";
  workflow::Diagnostic error;
  error.location = {"<inline>", 7, 14};
  error.path = "nodes[1].type";
  error.message = "unknown node type 'opnrouter.chat'";
  context.diagnostics = {warning, error};

  MappedError mapped = MapError(absl::InvalidArgumentError("workflow is invalid"), context,
                                common::SecretScrubber());

  ASSERT_EQ(mapped.details.diagnostics_size(), 2);
  EXPECT_EQ(mapped.details.diagnostics(0).severity(), v1::Diagnostic::SEVERITY_ERROR);
  EXPECT_EQ(mapped.details.diagnostics(0).line(), 7);
  EXPECT_EQ(mapped.details.diagnostics(0).column(), 14);
  EXPECT_EQ(mapped.details.diagnostics(0).path(), "nodes[1].type");
  EXPECT_EQ(mapped.details.diagnostics(1).severity(), v1::Diagnostic::SEVERITY_WARNING);
}

TEST(StatusMapping, AuthFailureSaysWhatToFix) {
  MappedError mapped = MapError(sdk::NodeError(absl::StatusCode::kUnauthenticated,
                                               sdk::error_class::kAuth, "401 User not found."),
                                {}, common::SecretScrubber());
  EXPECT_THAT(mapped.status.error_message(), HasSubstr("API key is missing or was rejected"));
}

TEST(StatusMapping, MessagesNeverContainAKnownSecretOrAKeyShapedToken) {
  const std::string key = "sk-or-v1-0123456789abcdef";
  const std::string token = "caller-token-abcdef";
  absl::Status status =
      sdk::NodeError(absl::StatusCode::kUnauthenticated, sdk::error_class::kAuth,
                     "upstream rejected key " + key + " sent as 'Authorization: Bearer " + key +
                         "'; also " + token + " and sk-or-v1-unknownkey999");
  FailureContext context;
  sdk::AttemptRecord call;
  call.error_message = "401 for " + key;
  context.calls.push_back(call);

  MappedError mapped = MapError(status, context, common::SecretScrubber({key, token}));

  EXPECT_THAT(mapped.status.error_message(), Not(HasSubstr(key)));
  EXPECT_THAT(mapped.status.error_message(), Not(HasSubstr(token)));
  EXPECT_THAT(mapped.status.error_message(), Not(HasSubstr("unknownkey999")));
  EXPECT_THAT(mapped.status.error_message(), HasSubstr("<redacted>"));
  EXPECT_THAT(mapped.details.calls(0).error_message(), Not(HasSubstr(key)));
}

TEST(StatusMapping, LongMessagesAreCutToTheHeaderBudget) {
  MappedError mapped =
      MapError(absl::InvalidArgumentError(std::string(10'000, 'x')), {}, common::SecretScrubber());
  EXPECT_LE(mapped.status.error_message().size(), kMaxStatusMessageBytes);
  EXPECT_THAT(mapped.status.error_message(), HasSubstr("..."));
}

}  // namespace
}  // namespace flowhost::service
