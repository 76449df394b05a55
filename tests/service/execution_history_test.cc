// The execution history through the real server (the in-process ServiceHost over gRPC, the fake
// OpenRouter), on a real SQLite file and a real PostgreSQL 15: what RunWorkflow and StartWorkflow
// record, GetExecution, ListExecutions, CancelExecution, RetryExecution (from the start and from
// the failed node), idempotency keys, save policies, and a server without history.
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service/service_harness.h"
#include "tests/store/store_backends.h"

namespace flowhost::service::testing {
namespace {

using ::testing::HasSubstr;
using store::testing::PostgresBackend;
using store::testing::SqliteBackend;

constexpr char kFailing[] = R"(name: failing
nodes:
  - name: prepare
    type: set
    params:
      values: {step: one}
    next: boom
  - name: boom
    type: fail
    params:
      message: "the boom node failed on purpose"
)";

template <typename Backend>
class ExecutionHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(backend_.Prepare().ok()); }

  // A harness whose host records in a fresh store on this backend.
  std::unique_ptr<ServiceHarness> StartWithHistory(HarnessOptions options = {}) {
    options.open_history = [this]() { return backend_.Open(store::StoreOptions()); };
    std::unique_ptr<ServiceHarness> harness = StartHarness(std::move(options));
    if (harness != nullptr) {
      harness->WriteWorkflow("failing.yaml", kFailing);
      // Loaded now, not whenever the directory watcher gets to it: a run before that would be
      // NOT_FOUND and record nothing.
      harness->host().store().Rescan();
      EXPECT_NE(harness->host().store().Find("failing"), nullptr);
    }
    return harness;
  }

  static grpc::Status Get(ServiceHarness& harness, const std::string& id,
                          v1::GetExecutionResponse& response, bool items = true) {
    v1::GetExecutionRequest request;
    request.set_execution_id(id);
    request.set_include_nodes(true);
    request.set_include_items(items);
    return harness.stub().GetExecution(ServiceHarness::Context().get(), request, &response);
  }

  // Polls GetExecution until the execution is in `state` (the outcome is written after the
  // reply is sent, by the store's own thread), for up to 20 s.
  static v1::Execution WaitForState(ServiceHarness& harness, const std::string& id,
                                    v1::ExecutionState state) {
    absl::Time give_up = absl::Now() + absl::Seconds(20);
    v1::GetExecutionResponse response;
    while (absl::Now() < give_up) {
      response.Clear();
      grpc::Status status = Get(harness, id, response);
      if (status.ok() && response.execution().state() == state) return response.execution();
      absl::SleepFor(absl::Milliseconds(10));
    }
    ADD_FAILURE() << "execution " << id << " never reached "
                  << v1::ExecutionState_Name(state) << "; last seen "
                  << response.execution().DebugString();
    return response.execution();
  }

  // Polls GetExecution until it answers NOT_FOUND (a save policy dropped the execution).
  static bool WaitForGone(ServiceHarness& harness, const std::string& id) {
    absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (absl::Now() < give_up) {
      v1::GetExecutionResponse response;
      if (Get(harness, id, response).error_code() == grpc::StatusCode::NOT_FOUND) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  static grpc::Status Run(ServiceHarness& harness, const std::string& workflow,
                          v1::RunWorkflowResponse& response, const std::string& who = "") {
    v1::RunWorkflowRequest request;
    request.set_workflow(workflow);
    if (!who.empty()) (*request.mutable_input()->mutable_fields())["who"].set_string_value(who);
    return harness.stub().RunWorkflow(ServiceHarness::Context().get(), request, &response);
  }

  static grpc::Status Start(ServiceHarness& harness, const std::string& workflow,
                            const std::string& key, v1::StartWorkflowResponse& response,
                            const std::string& who = "") {
    v1::StartWorkflowRequest request;
    request.set_workflow(workflow);
    request.set_idempotency_key(key);
    if (!who.empty()) (*request.mutable_input()->mutable_fields())["who"].set_string_value(who);
    return harness.stub().StartWorkflow(ServiceHarness::Context().get(), request, &response);
  }

  static grpc::Status List(ServiceHarness& harness, const v1::ListExecutionsRequest& request,
                           v1::ListExecutionsResponse& response) {
    return harness.stub().ListExecutions(ServiceHarness::Context().get(), request, &response);
  }

  // The id of the one recorded execution of `workflow` once it is in `state`.
  static std::string WaitForOnly(ServiceHarness& harness, const std::string& workflow,
                                 v1::ExecutionState state) {
    absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (absl::Now() < give_up) {
      v1::ListExecutionsRequest request;
      request.set_workflow(workflow);
      request.add_states(state);
      v1::ListExecutionsResponse response;
      if (List(harness, request, response).ok() && response.executions_size() == 1) {
        return response.executions(0).id();
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    ADD_FAILURE() << "no " << v1::ExecutionState_Name(state) << " execution of " << workflow;
    return "";
  }

  Backend backend_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
TYPED_TEST_SUITE(ExecutionHistoryTest, Backends, BackendNames);

TYPED_TEST(ExecutionHistoryTest, ARunWorkflowIsRecordedWithItsNodesOutputAndTheResponsesId) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowResponse run;
  grpc::Status ran = this->Run(*harness, "greet", run, "Ada");
  ASSERT_TRUE(ran.ok()) << ran.error_code() << " " << ran.error_message();
  ASSERT_FALSE(run.execution_id().empty());

  v1::Execution execution =
      this->WaitForState(*harness, run.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  EXPECT_EQ(execution.id(), run.execution_id());
  EXPECT_EQ(execution.workflow(), "greet");
  EXPECT_EQ(execution.workflow_hash().size(), 16u);
  EXPECT_EQ(execution.input().fields().at("who").string_value(), "Ada");
  EXPECT_TRUE(execution.has_create_time());
  EXPECT_TRUE(execution.has_end_time());
  EXPECT_EQ(execution.save_policy(), "all");
  ASSERT_EQ(execution.output_items_size(), 1);
  EXPECT_EQ(execution.output_items(0).struct_value().fields().at("greeting").string_value(),
            "Hello Ada");
  ASSERT_EQ(execution.nodes_size(), 1);
  const v1::ExecutionNode& node = execution.nodes(0);
  EXPECT_EQ(node.name(), "hello");
  EXPECT_EQ(node.type(), "set");
  EXPECT_EQ(node.status(), v1::NODE_STATUS_SUCCEEDED);
  EXPECT_EQ(node.attempts(), 1);
  EXPECT_EQ(node.items_in(), 1);
  EXPECT_EQ(node.items_out(), 1);
  ASSERT_EQ(node.outputs_size(), 1);
  EXPECT_EQ(node.outputs(0).values(0).struct_value().fields().at("greeting").string_value(),
            "Hello Ada");
}

TYPED_TEST(ExecutionHistoryTest, AnLlmExecutionRecordsItsTokensAndCost) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowRequest request;
  request.set_workflow("ask");
  (*request.mutable_input()->mutable_fields())["question"].set_string_value("why?");
  v1::RunWorkflowResponse run;
  ASSERT_TRUE(
      harness->stub().RunWorkflow(ServiceHarness::Context().get(), request, &run).ok());
  v1::Execution execution =
      this->WaitForState(*harness, run.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  EXPECT_EQ(execution.prompt_tokens(), run.summary().prompt_tokens());
  EXPECT_EQ(execution.completion_tokens(), run.summary().completion_tokens());
  EXPECT_GT(execution.prompt_tokens() + execution.completion_tokens(), 0);
  EXPECT_DOUBLE_EQ(execution.cost_usd(), run.summary().cost_usd());
  ASSERT_EQ(execution.nodes_size(), 1);
  EXPECT_EQ(execution.nodes(0).prompt_tokens(), run.summary().nodes(0).prompt_tokens());
}

TYPED_TEST(ExecutionHistoryTest, AStreamedExecutionKeepsItsEventsAndIsRecordedUnderTheStartedId) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  v1::StreamWorkflowRequest request;
  request.set_workflow("ask");
  (*request.mutable_input()->mutable_fields())["question"].set_string_value("stream it");
  auto context = ServiceHarness::Context();
  auto reader = harness->stub().StreamWorkflow(context.get(), request);
  std::vector<v1::StreamWorkflowResponse> events;
  v1::StreamWorkflowResponse event;
  while (reader->Read(&event)) events.push_back(event);
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_GE(events.size(), 3u);
  ASSERT_TRUE(events.front().has_execution_started());
  ASSERT_TRUE(events.back().has_execution_finished());
  std::string text;
  for (const v1::StreamWorkflowResponse& e : events) {
    if (e.has_token_delta()) text += e.token_delta().text();
  }
  EXPECT_THAT(text, HasSubstr("Fake answer to: stream it"));  // the recorder forwards deltas

  v1::Execution execution = this->WaitForState(
      *harness, events.front().execution_started().execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  ASSERT_EQ(execution.nodes_size(), 1);
  EXPECT_EQ(execution.nodes(0).name(), "answer");
  EXPECT_EQ(execution.nodes(0).type(), "openrouter.chat");
}

TYPED_TEST(ExecutionHistoryTest, AFailedExecutionIsRecordedWithItsFailedNodeAndError) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowResponse run;
  grpc::Status status = this->Run(*harness, "failing", run);
  ASSERT_FALSE(status.ok());
  ASSERT_NE(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();

  std::string id = this->WaitForOnly(*harness, "failing", v1::EXECUTION_STATE_FAILED);
  ASSERT_FALSE(id.empty());
  v1::GetExecutionResponse got;
  ASSERT_TRUE(this->Get(*harness, id, got).ok());
  const v1::Execution& execution = got.execution();
  EXPECT_EQ(execution.failed_node(), "boom");
  EXPECT_THAT(execution.error().message(), HasSubstr("the boom node failed on purpose"));
  EXPECT_FALSE(execution.error_code().empty());
  ASSERT_EQ(execution.nodes_size(), 2);
  for (const v1::ExecutionNode& node : execution.nodes()) {
    if (node.name() == "prepare") {
      EXPECT_EQ(node.status(), v1::NODE_STATUS_SUCCEEDED);
    } else {
      EXPECT_EQ(node.name(), "boom");
      EXPECT_EQ(node.status(), v1::NODE_STATUS_FAILED);
      EXPECT_THAT(node.error().message(), HasSubstr("failed on purpose"));
    }
  }
}

TYPED_TEST(ExecutionHistoryTest, StartWorkflowReturnsAnIdAtOnceAndTheExecutionRunsToItsEnd) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  v1::StartWorkflowResponse started;
  ASSERT_TRUE(this->Start(*harness, "greet", "", started, "Grace").ok());
  EXPECT_TRUE(started.created());
  EXPECT_EQ(started.state(), v1::EXECUTION_STATE_RUNNING);
  v1::Execution execution =
      this->WaitForState(*harness, started.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  ASSERT_EQ(execution.output_items_size(), 1);
  EXPECT_EQ(execution.output_items(0).struct_value().fields().at("greeting").string_value(),
            "Hello Grace");
}

// At the limit of executions in flight, a StartWorkflow of a loaded workflow is queued in the
// store and runs once a place frees (on this one server); one of inline YAML is refused, since the
// store keeps the workflow's name only.
TYPED_TEST(ExecutionHistoryTest, AtTheLimitStartWorkflowQueuesALoadedWorkflowAndRefusesInlineYaml) {
  HarnessOptions options;
  options.max_executions_in_flight = 1;
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory(std::move(options));
  ASSERT_NE(harness, nullptr);
  v1::StartWorkflowRequest busy;
  busy.set_workflow("ask");
  (*busy.mutable_input()->mutable_fields())["question"].set_string_value("hold on");
  (*busy.mutable_input()->mutable_fields())["model"].set_string_value("fake/slow-1000");
  v1::StartWorkflowResponse running;
  ASSERT_TRUE(
      harness->stub().StartWorkflow(ServiceHarness::Context().get(), busy, &running).ok());
  EXPECT_EQ(running.state(), v1::EXECUTION_STATE_RUNNING);

  v1::StartWorkflowResponse queued;
  ASSERT_TRUE(this->Start(*harness, "greet", "", queued, "Queue").ok());
  EXPECT_TRUE(queued.created());
  EXPECT_EQ(queued.state(), v1::EXECUTION_STATE_QUEUED);
  v1::StartWorkflowRequest inline_yaml;
  inline_yaml.set_yaml("name: inline\nnodes:\n  - name: x\n    type: noop\n");
  v1::StartWorkflowResponse refused;
  grpc::Status status =
      harness->stub().StartWorkflow(ServiceHarness::Context().get(), inline_yaml, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();

  v1::Execution greeted =
      this->WaitForState(*harness, queued.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  ASSERT_EQ(greeted.output_items_size(), 1);
  EXPECT_EQ(greeted.output_items(0).struct_value().fields().at("greeting").string_value(),
            "Hello Queue");
  this->WaitForState(*harness, running.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
}

TYPED_TEST(ExecutionHistoryTest, TheSameIdempotencyKeyReturnsTheSameExecution) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  v1::StartWorkflowResponse first, second;
  ASSERT_TRUE(this->Start(*harness, "greet", "order-17", first, "Ada").ok());
  ASSERT_TRUE(this->Start(*harness, "greet", "order-17", second, "Ada").ok());
  EXPECT_TRUE(first.created());
  EXPECT_FALSE(second.created());
  EXPECT_EQ(second.execution_id(), first.execution_id());
  this->WaitForState(*harness, first.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);

  v1::StartWorkflowResponse other;
  grpc::Status reused = this->Start(*harness, "greet", "order-17", other, "Bob");
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::ALREADY_EXISTS) << reused.error_message();
  EXPECT_THAT(reused.error_message(), HasSubstr(first.execution_id()));

  v1::ListExecutionsRequest request;
  request.set_workflow("greet");
  v1::ListExecutionsResponse listed;
  ASSERT_TRUE(this->List(*harness, request, listed).ok());
  EXPECT_EQ(listed.executions_size(), 1);
  EXPECT_EQ(listed.executions(0).idempotency_key(), "order-17");
}

TYPED_TEST(ExecutionHistoryTest, ListExecutionsFiltersNewestFirstAndPagesWithAToken) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  std::vector<std::string> ids;
  for (const char* who : {"a", "b", "c"}) {
    v1::RunWorkflowResponse run;
    ASSERT_TRUE(this->Run(*harness, "greet", run, who).ok());
    this->WaitForState(*harness, run.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
    ids.push_back(run.execution_id());
  }
  v1::RunWorkflowResponse failed;
  ASSERT_FALSE(this->Run(*harness, "failing", failed).ok());
  this->WaitForOnly(*harness, "failing", v1::EXECUTION_STATE_FAILED);

  v1::ListExecutionsRequest request;
  request.set_workflow("greet");
  request.set_page_size(2);
  v1::ListExecutionsResponse first;
  ASSERT_TRUE(this->List(*harness, request, first).ok());
  ASSERT_EQ(first.executions_size(), 2);
  EXPECT_EQ(first.executions(0).id(), ids[2]);
  EXPECT_EQ(first.executions(1).id(), ids[1]);
  EXPECT_EQ(first.executions(0).nodes_size(), 0);  // a list row has no nodes
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  v1::ListExecutionsResponse second;
  ASSERT_TRUE(this->List(*harness, request, second).ok());
  ASSERT_EQ(second.executions_size(), 1);
  EXPECT_EQ(second.executions(0).id(), ids[0]);
  EXPECT_TRUE(second.next_page_token().empty());

  v1::ListExecutionsRequest by_state;
  by_state.add_states(v1::EXECUTION_STATE_FAILED);
  v1::ListExecutionsResponse failures;
  ASSERT_TRUE(this->List(*harness, by_state, failures).ok());
  ASSERT_EQ(failures.executions_size(), 1);
  EXPECT_EQ(failures.executions(0).workflow(), "failing");

  v1::ListExecutionsRequest future;
  future.mutable_create_time_after()->set_seconds(absl::ToUnixSeconds(absl::Now()) + 3600);
  v1::ListExecutionsResponse none;
  ASSERT_TRUE(this->List(*harness, future, none).ok());
  EXPECT_EQ(none.executions_size(), 0);
}

TYPED_TEST(ExecutionHistoryTest, BadRequestsGetInvalidArgumentAndUnknownIdsNotFound) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  v1::GetExecutionResponse got;
  EXPECT_EQ(this->Get(*harness, "", got).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status unknown = this->Get(*harness, "ex-0000000000000000", got);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND) << unknown.error_message();

  v1::CancelExecutionRequest cancel;
  cancel.set_execution_id("ex-0000000000000000");
  v1::CancelExecutionResponse cancelled;
  EXPECT_EQ(harness->stub()
                .CancelExecution(ServiceHarness::Context().get(), cancel, &cancelled)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::ListExecutionsResponse listed;
  v1::ListExecutionsRequest bad_token;
  bad_token.set_page_token("not a token");
  EXPECT_EQ(this->List(*harness, bad_token, listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListExecutionsRequest negative;
  negative.set_page_size(-1);
  EXPECT_EQ(this->List(*harness, negative, listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListExecutionsRequest unspecified;
  unspecified.add_states(v1::EXECUTION_STATE_UNSPECIFIED);
  grpc::Status state = this->List(*harness, unspecified, listed);
  EXPECT_EQ(state.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(state.error_message(), HasSubstr("states[0]"));

  v1::StartWorkflowResponse started;
  EXPECT_EQ(this->Start(*harness, "greet", std::string(300, 'k'), started).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(this->Start(*harness, "no-such-workflow", "", started).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TYPED_TEST(ExecutionHistoryTest, CancelExecutionStopsARunningExecutionAndRecordsItCancelled) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  // An upstream call the fake answers after 30 s (a long `wait` would park the execution in the
  // store instead of running: docs/executions.md, "Durable waits").
  v1::StartWorkflowRequest start;
  start.set_workflow("ask");
  (*start.mutable_input()->mutable_fields())["question"].set_string_value("slowly");
  (*start.mutable_input()->mutable_fields())["model"].set_string_value("fake/slow-30000");
  v1::StartWorkflowResponse started;
  ASSERT_TRUE(
      harness->stub().StartWorkflow(ServiceHarness::Context().get(), start, &started).ok());
  // Once its node is recorded running (a node cancelled before it starts is never recorded).
  absl::Time give_up = absl::Now() + absl::Seconds(20);
  v1::GetExecutionResponse running;
  while (absl::Now() < give_up &&
         !(this->Get(*harness, started.execution_id(), running).ok() &&
           running.execution().nodes_size() == 1 &&
           running.execution().nodes(0).status() == v1::NODE_STATUS_RUNNING)) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(running.execution().nodes_size(), 1);
  EXPECT_EQ(running.execution().state(), v1::EXECUTION_STATE_RUNNING);
  EXPECT_EQ(running.execution().nodes(0).attempts(), 1);
  v1::CancelExecutionRequest request;
  request.set_execution_id(started.execution_id());
  v1::CancelExecutionResponse response;
  ASSERT_TRUE(
      harness->stub().CancelExecution(ServiceHarness::Context().get(), request, &response).ok());
  EXPECT_EQ(response.execution_id(), started.execution_id());
  EXPECT_TRUE(response.state() == v1::EXECUTION_STATE_RUNNING ||
              response.state() == v1::EXECUTION_STATE_CANCELLED)
      << v1::ExecutionState_Name(response.state());

  v1::Execution execution =
      this->WaitForState(*harness, started.execution_id(), v1::EXECUTION_STATE_CANCELLED);
  EXPECT_TRUE(execution.cancel_requested());
  EXPECT_THAT(execution.error().message(), HasSubstr("cancelled by CancelExecution"));
  ASSERT_EQ(execution.nodes_size(), 1);
  EXPECT_EQ(execution.nodes(0).status(), v1::NODE_STATUS_CANCELLED);

  // Cancelling it again changes nothing.
  v1::CancelExecutionResponse again;
  ASSERT_TRUE(
      harness->stub().CancelExecution(ServiceHarness::Context().get(), request, &again).ok());
  EXPECT_EQ(again.state(), v1::EXECUTION_STATE_CANCELLED);
}

TYPED_TEST(ExecutionHistoryTest, SavePolicyFailedKeepsFailuresAndDropsSuccesses) {
  HarnessOptions options;
  options.store_save = "failed";
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory(options);
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowResponse ok;
  ASSERT_TRUE(this->Run(*harness, "greet", ok).ok());
  v1::RunWorkflowResponse failed;
  ASSERT_FALSE(this->Run(*harness, "failing", failed).ok());
  std::string failed_id = this->WaitForOnly(*harness, "failing", v1::EXECUTION_STATE_FAILED);
  v1::GetExecutionResponse got;
  ASSERT_TRUE(this->Get(*harness, failed_id, got).ok());
  EXPECT_EQ(got.execution().save_policy(), "failed");
  EXPECT_TRUE(this->WaitForGone(*harness, ok.execution_id()));
}

TYPED_TEST(ExecutionHistoryTest, AWorkflowsOwnHistorySettingOverridesTheDefault) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  harness->WriteWorkflow("secret.yaml", R"(name: secret
history: {save: none}
nodes:
  - name: hello
    type: set
    params: {values: {x: 1}}
)");
  harness->WriteWorkflow("quiet.yaml", R"(name: quiet
history: {save: failed}
nodes:
  - name: hello
    type: set
    params: {values: {x: 1}}
)");
  // The watcher reloads the directory; wait until both run.
  absl::Time give_up = absl::Now() + absl::Seconds(20);
  v1::RunWorkflowResponse secret, quiet;
  while (absl::Now() < give_up && !(this->Run(*harness, "secret", secret).ok() &&
                                    this->Run(*harness, "quiet", quiet).ok())) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_FALSE(secret.execution_id().empty());
  ASSERT_FALSE(quiet.execution_id().empty());
  EXPECT_TRUE(this->WaitForGone(*harness, quiet.execution_id()));
  // A later execution's row is committed after anything `secret` could have written.
  v1::RunWorkflowResponse later;
  ASSERT_TRUE(this->Run(*harness, "greet", later).ok());
  this->WaitForState(*harness, later.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  v1::GetExecutionResponse got;
  EXPECT_EQ(this->Get(*harness, secret.execution_id(), got).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TYPED_TEST(ExecutionHistoryTest, TheHistoryRpcsCheckTheCallersToken) {
  HarnessOptions options;
  options.auth_tokens = {"sekret-token-1"};
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory(options);
  ASSERT_NE(harness, nullptr);
  v1::ListExecutionsRequest request;
  v1::ListExecutionsResponse response;
  EXPECT_EQ(this->List(*harness, request, response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::GetExecutionResponse got;
  EXPECT_EQ(this->Get(*harness, "x", got).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto context = ServiceHarness::Context();
  context->AddMetadata("authorization", "Bearer sekret-token-1");
  EXPECT_TRUE(harness->stub().ListExecutions(context.get(), request, &response).ok());
}

TEST(ExecutionHistoryOffTest, TheHistoryRpcsAnswerFailedPreconditionAndRunWorkflowStillWorks) {
  std::unique_ptr<ServiceHarness> harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowRequest run;
  run.set_workflow("greet");
  v1::RunWorkflowResponse ran;
  ASSERT_TRUE(harness->stub().RunWorkflow(ServiceHarness::Context().get(), run, &ran).ok());

  v1::StartWorkflowRequest start;
  start.set_workflow("greet");
  v1::StartWorkflowResponse started;
  grpc::Status status =
      harness->stub().StartWorkflow(ServiceHarness::Context().get(), start, &started);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("no execution history"));
  v1::GetExecutionRequest get;
  get.set_execution_id(ran.execution_id());
  v1::GetExecutionResponse got;
  EXPECT_EQ(harness->stub().GetExecution(ServiceHarness::Context().get(), get, &got).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::ListExecutionsRequest list;
  v1::ListExecutionsResponse listed;
  EXPECT_EQ(
      harness->stub().ListExecutions(ServiceHarness::Context().get(), list, &listed).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  v1::CancelExecutionRequest cancel;
  cancel.set_execution_id(ran.execution_id());
  v1::CancelExecutionResponse cancelled;
  EXPECT_EQ(harness->stub()
                .CancelExecution(ServiceHarness::Context().get(), cancel, &cancelled)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST(ExecutionHistoryOffTest, AStoreThatRefusesLeavesRunWorkflowWorkingAndSaysSoInTheLog) {
  SqliteBackend backend;
  ASSERT_TRUE(backend.Prepare().ok());
  HarnessOptions options;
  options.open_history = [&backend]() -> absl::StatusOr<store::ExecutionStorePtr> {
    absl::StatusOr<store::ExecutionStorePtr> store = backend.Open(store::StoreOptions());
    if (store.ok()) (*store)->Shutdown();  // every later call is refused
    return store;
  };
  std::unique_ptr<ServiceHarness> harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  v1::RunWorkflowRequest run;
  run.set_workflow("greet");
  v1::RunWorkflowResponse ran;
  ASSERT_TRUE(harness->stub().RunWorkflow(ServiceHarness::Context().get(), run, &ran).ok());
  EXPECT_EQ(ran.output_items_size(), 1);
  bool logged = false;
  for (const std::string& line : harness->log_lines()) {
    if (line.find("execution history not recorded") != std::string::npos &&
        line.find(ran.execution_id()) != std::string::npos) {
      logged = true;
    }
  }
  EXPECT_TRUE(logged) << "no log line says the history of " << ran.execution_id()
                      << " was not recorded";
  harness.reset();  // before the backend removes the directory
}

}  // namespace
}  // namespace flowhost::service::testing

namespace flowhost::service::testing {
namespace {

// An LLM node, then a node that fails; fixed later by replacing the failing node.
constexpr char kAskThenFail[] = R"(name: ask-then-fail
nodes:
  - name: answer
    type: openrouter.chat
    params: {model: fake/ok, prompt: "hello"}
    next: check
  - name: check
    type: fail
    params: {message: "check failed on purpose"}
)";
constexpr char kAskThenSet[] = R"(name: ask-then-fail
nodes:
  - name: answer
    type: openrouter.chat
    params: {model: fake/ok, prompt: "hello"}
    next: check
  - name: check
    type: set
    params: {values: {checked: true}}
)";

int64_t FakeChatRequests(ServiceHarness& harness) {
  absl::StatusOr<nlohmann::json> stats = harness.fake().Stats();
  EXPECT_TRUE(stats.ok()) << stats.status();
  return stats.ok() ? (*stats)["chat_requests"].get<int64_t>() : -1;
}

grpc::Status RetryCall(ServiceHarness& harness, const std::string& id, bool from_failed_node,
                   v1::RetryExecutionResponse& response) {
  v1::RetryExecutionRequest request;
  request.set_execution_id(id);
  request.set_from_failed_node(from_failed_node);
  return harness.stub().RetryExecution(ServiceHarness::Context().get(), request, &response);
}

TYPED_TEST(ExecutionHistoryTest, RetryFromTheFailedNodeReusesTheStoredOutputsOfTheNodesBefore) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  harness->WriteWorkflow("ask-then-fail.yaml", kAskThenFail);
  harness->host().store().Rescan();
  v1::RunWorkflowResponse run;
  ASSERT_FALSE(this->Run(*harness, "ask-then-fail", run).ok());
  std::string failed = this->WaitForOnly(*harness, "ask-then-fail", v1::EXECUTION_STATE_FAILED);
  EXPECT_EQ(FakeChatRequests(*harness), 1);

  // The workflow is fixed, then the execution retried from its failed node: the LLM node is not
  // called again, and the fixed node gets its stored output.
  harness->WriteWorkflow("ask-then-fail.yaml", kAskThenSet);
  harness->host().store().Rescan();
  v1::RetryExecutionResponse retried;
  grpc::Status status = RetryCall(*harness, failed, /*from_failed_node=*/true, retried);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_NE(retried.execution_id(), failed);
  EXPECT_EQ(retried.retry_of(), failed);
  EXPECT_THAT(retried.reused_nodes(), ::testing::ElementsAre("answer"));
  v1::Execution execution =
      this->WaitForState(*harness, retried.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  EXPECT_EQ(execution.retry_of(), failed);
  EXPECT_EQ(FakeChatRequests(*harness), 1);
  ASSERT_EQ(execution.nodes_size(), 2);
  EXPECT_EQ(execution.nodes(0).name(), "answer");
  EXPECT_EQ(execution.nodes(0).status(), v1::NODE_STATUS_SUCCEEDED);
  EXPECT_EQ(execution.nodes(0).attempts(), 0);  // not run: its output was reused
  EXPECT_EQ(execution.nodes(1).name(), "check");
  EXPECT_EQ(execution.nodes(1).attempts(), 1);
  ASSERT_EQ(execution.output_items_size(), 1);
  EXPECT_TRUE(execution.output_items(0).struct_value().fields().at("checked").bool_value());

  // From the start, every node runs again.
  v1::RetryExecutionResponse again;
  ASSERT_TRUE(RetryCall(*harness, failed, /*from_failed_node=*/false, again).ok());
  EXPECT_TRUE(again.reused_nodes().empty());
  this->WaitForState(*harness, again.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  EXPECT_EQ(FakeChatRequests(*harness), 2);
}

// At the limit of executions in flight a retry is queued, as StartWorkflow's executions are: its
// reused nodes are written into it first, so the server that runs it later (here, this one once
// its place frees) still does not call them again.
TYPED_TEST(ExecutionHistoryTest, AtTheLimitARetryFromTheFailedNodeIsQueuedAndStillReusesItsNodes) {
  HarnessOptions options;
  options.max_executions_in_flight = 1;
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory(std::move(options));
  ASSERT_NE(harness, nullptr);
  harness->WriteWorkflow("ask-then-fail.yaml", kAskThenFail);
  harness->host().store().Rescan();
  v1::RunWorkflowResponse run;
  ASSERT_FALSE(this->Run(*harness, "ask-then-fail", run).ok());
  std::string failed = this->WaitForOnly(*harness, "ask-then-fail", v1::EXECUTION_STATE_FAILED);
  harness->WriteWorkflow("ask-then-fail.yaml", kAskThenSet);
  harness->host().store().Rescan();

  // The one place is taken...
  v1::StartWorkflowRequest busy;
  busy.set_workflow("ask");
  (*busy.mutable_input()->mutable_fields())["question"].set_string_value("hold on");
  (*busy.mutable_input()->mutable_fields())["model"].set_string_value("fake/slow-1000");
  v1::StartWorkflowResponse running;
  ASSERT_TRUE(
      harness->stub().StartWorkflow(ServiceHarness::Context().get(), busy, &running).ok());
  ASSERT_EQ(running.state(), v1::EXECUTION_STATE_RUNNING);

  // ...so the retry is queued, not refused.
  v1::RetryExecutionResponse retried;
  grpc::Status status = RetryCall(*harness, failed, /*from_failed_node=*/true, retried);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(retried.state(), v1::EXECUTION_STATE_QUEUED);
  EXPECT_EQ(retried.retry_of(), failed);
  EXPECT_THAT(retried.reused_nodes(), ::testing::ElementsAre("answer"));

  v1::Execution execution =
      this->WaitForState(*harness, retried.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  EXPECT_EQ(execution.retry_of(), failed);
  ASSERT_EQ(execution.nodes_size(), 2);
  EXPECT_EQ(execution.nodes(0).name(), "answer");
  EXPECT_EQ(execution.nodes(0).attempts(), 0);  // not run: its stored output was reused
  EXPECT_EQ(execution.nodes(1).name(), "check");
  EXPECT_EQ(execution.nodes(1).attempts(), 1);
  ASSERT_EQ(execution.output_items_size(), 1);
  EXPECT_TRUE(execution.output_items(0).struct_value().fields().at("checked").bool_value());
  this->WaitForState(*harness, running.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  // The original's call and the busy execution's: the retry made none.
  EXPECT_EQ(FakeChatRequests(*harness), 2);
}

TYPED_TEST(ExecutionHistoryTest, RetryRefusesUnknownRunningAndSucceededExecutionsClearly) {
  std::unique_ptr<ServiceHarness> harness = this->StartWithHistory();
  ASSERT_NE(harness, nullptr);
  v1::RetryExecutionResponse response;
  EXPECT_EQ(RetryCall(*harness, "", false, response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(RetryCall(*harness, "ex-nope", false, response).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::StartWorkflowResponse slow;
  ASSERT_TRUE(this->Start(*harness, "slow", "", slow).ok());
  grpc::Status running = RetryCall(*harness, slow.execution_id(), false, response);
  EXPECT_EQ(running.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(running.error_message(), HasSubstr("only a finished execution can be retried"));
  v1::CancelExecutionRequest cancel;  // so that the harness need not wait for it at shutdown
  cancel.set_execution_id(slow.execution_id());
  v1::CancelExecutionResponse cancelled;
  ASSERT_TRUE(
      harness->stub().CancelExecution(ServiceHarness::Context().get(), cancel, &cancelled).ok());

  v1::RunWorkflowResponse greeted;
  ASSERT_TRUE(this->Run(*harness, "greet", greeted, "Ada").ok());
  this->WaitForState(*harness, greeted.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  grpc::Status succeeded = RetryCall(*harness, greeted.execution_id(), true, response);
  EXPECT_EQ(succeeded.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(succeeded.error_message(), HasSubstr("no failed node"));
  // From the start it runs again, on the same input.
  ASSERT_TRUE(RetryCall(*harness, greeted.execution_id(), false, response).ok());
  v1::Execution again =
      this->WaitForState(*harness, response.execution_id(), v1::EXECUTION_STATE_SUCCEEDED);
  EXPECT_EQ(again.input().fields().at("who").string_value(), "Ada");
}

}  // namespace
}  // namespace flowhost::service::testing
