// Credentials by name: a node receives only the credentials its parameters name (those its type's
// schema marks "x-credential"); the names are fixed when the workflow loads.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/workflow/loader.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST(ExecutorCredentials, TwoNodesUseTheTwoCredentialsTheirParametersName) {
  ExecutorHarness host;
  host.credentials.Add("search", "search-secret-1234");
  host.credentials.Add("mail", "mail-secret-123456789");
  auto workflow = host.Load(R"(
name: two
nodes:
  - {name: find, type: test.credential, params: {credential: search}, next: send}
  - {name: send, type: test.credential, params: {credential: mail}}
)");
  ASSERT_NE(workflow, nullptr);
  EXPECT_THAT(workflow->nodes[0].credentials, ElementsAre("search"));
  EXPECT_THAT(workflow->nodes[1].credentials, ElementsAre("mail"));
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(record.output, (sdk::Items{{{"credential", "mail"}, {"secret_length", 21}}}));
  EXPECT_EQ(NodeOf(record, "find").status, NodeStatus::kSucceeded);
}

TEST(ExecutorCredentials, ANodeAskingForACredentialItsParametersDoNotNameIsRefused) {
  ExecutorHarness host;
  host.credentials.Add("search", "search-secret-1234");
  host.credentials.Add("mail", "mail-secret-123456789");
  auto workflow = host.Load(R"(
name: greedy
nodes:
  - {name: greedy, type: test.credential, params: {credential: search, ask: mail}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Message(record.status),
            "node 'greedy': node type 'test.credential' asked for credential 'mail', which this "
            "node's parameters do not name (they name search); a node receives only the "
            "credentials named by its parameters marked x-credential");
  EXPECT_THAT(Message(record.status), Not(HasSubstr("mail-secret")));
}

TEST(ExecutorCredentials, ANodeNamingNoCredentialReceivesNone) {
  ExecutorHarness host;
  host.credentials.Add("search", "search-secret-1234");
  auto workflow = host.Load(R"(
name: none
nodes:
  - {name: nosy, type: test.credential, params: {ask: search}}
)");
  ASSERT_NE(workflow, nullptr);
  EXPECT_THAT(workflow->nodes[0].credentials, IsEmpty());
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(record.status), HasSubstr("(they name none)"));
}

TEST(ExecutorCredentials, ANodeMayNameTwoCredentials) {
  ExecutorHarness host;
  host.credentials.Add("search", "s-1234567890");
  host.credentials.Add("mail", "m-123");
  auto workflow = host.Load(R"(
name: both
nodes:
  - {name: both, type: test.credential, params: {credential: search, other: mail, ask: mail}}
)");
  ASSERT_NE(workflow, nullptr);
  EXPECT_THAT(workflow->nodes[0].credentials, ElementsAre("search", "mail"));
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(record.output, (sdk::Items{{{"credential", "mail"}, {"secret_length", 5}}}));
}

TEST(ExecutorCredentials, ANamedCredentialTheHostDoesNotHaveIsNotFoundNamingIt) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: missing
nodes:
  - {name: lost, type: test.credential, params: {credential: nowhere}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(record.status), HasSubstr("'nowhere'"));
}

TEST(ExecutorCredentials, ACredentialParameterMustBeWrittenOutNotComputed) {
  ExecutorHarness host;
  workflow::LoadResult result = workflow::LoadWorkflow("dynamic.yaml", R"(name: dynamic
nodes:
  - name: sly
    type: test.credential
    params: {credential: "{{ $json.which }}"}
)",
                                                       host.registry);
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_THAT(result.diagnostics[0].ToString(),
              HasSubstr("dynamic.yaml:5:26: error: this parameter names a host credential and "
                        "must be written as a plain name"));
}

}  // namespace
}  // namespace flowhost::executor::testing
