// Credentials by name through the real service: two credentials used by two nodes of one
// workflow, a node refused a credential its parameters do not name, and a second credential's
// secret scrubbed from errors and logs like OpenRouter's key.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/service/json_proto.h"
#include "tests/executor/credential_nodes.h"
#include "tests/service/service_harness.h"

namespace flowhost::service {
namespace {

using testing::HarnessOptions;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ServiceHarness;
using testing::StartHarness;

// Test values, shaped like no real provider's key.
constexpr char kSearchSecret[] = "search-test-secret-Q7x2Lk9Pz";
constexpr char kMailSecret[] = "mail-test-secret-M4n8Rt1Wv";

std::unique_ptr<ServiceHarness> StartWithTwoCredentials() {
  HarnessOptions options;
  options.register_more_nodes = [](sdk::NodeRegistry& registry) {
    return executor::testing::RegisterCredentialNodes(registry);
  };
  options.more_credentials["search"].from_env = "TEST_SEARCH_KEY";
  options.more_credentials["mail"].from_env = "TEST_MAIL_KEY";
  options.more_env = {{"TEST_SEARCH_KEY", kSearchSecret}, {"TEST_MAIL_KEY", kMailSecret}};
  return StartHarness(std::move(options));
}

TEST(Credentials, TwoNodesUseTwoNamedCredentials) {
  auto harness = StartWithTwoCredentials();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->RunInline(R"(name: two
nodes:
  - {name: find, type: test.credential, params: {credential: search}, next: send}
  - {name: send, type: test.credential, params: {credential: mail}}
)",
                                  &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.output_items_size(), 1);
  EXPECT_EQ(ValueToJson(response.output_items(0)),
            (sdk::Json{{"credential", "mail"}, {"secret_length", sizeof(kMailSecret) - 1}}));
}

TEST(Credentials, ANodeAskingForAnUnnamedCredentialIsRefused) {
  auto harness = StartWithTwoCredentials();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->RunInline(R"(name: greedy
nodes:
  - {name: greedy, type: test.credential, params: {credential: search, ask: mail}}
)",
                                  &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(),
              HasSubstr("asked for credential 'mail', which this node's parameters do not name"));
}

TEST(Credentials, ASecondCredentialsSecretIsScrubbedFromErrorsAndLogs) {
  auto harness = StartWithTwoCredentials();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowResponse response;
  grpc::Status status = harness->RunInline(R"(name: careless
nodes:
  - {name: careless, type: test.credential, params: {credential: mail, leak: true}}
)",
                                  &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("upstream refused key"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kMailSecret)));
  // The host's own logger, as a node or library would use it.
  harness->runtime().logger().Log(sdk::LogLevel::kWarning,
                                  std::string("echoed by an upstream: ") + kSearchSecret,
                                  sdk::Json::object());
  bool saw_echo = false;
  for (const std::string& line : harness->log_lines()) {
    EXPECT_THAT(line, Not(HasSubstr(kSearchSecret)));
    EXPECT_THAT(line, Not(HasSubstr(kMailSecret)));
    if (line.find("echoed by an upstream") != std::string::npos) saw_echo = true;
  }
  EXPECT_TRUE(saw_echo);
}

TEST(Credentials, TheStartUpLogSaysWhereEachCredentialComesFromNeverItsValue) {
  auto harness = StartWithTwoCredentials();
  ASSERT_NE(harness, nullptr);
  bool found = false;
  for (const std::string& line : harness->log_lines()) {
    if (line.find("workflows loaded") == std::string::npos) continue;
    found = true;
    EXPECT_THAT(line, HasSubstr("\"search\":\"environment variable TEST_SEARCH_KEY\""));
    EXPECT_THAT(line, HasSubstr("\"mail\":\"environment variable TEST_MAIL_KEY\""));
    EXPECT_THAT(line, Not(HasSubstr(kSearchSecret)));
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace flowhost::service
