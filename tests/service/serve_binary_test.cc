// The real `flowhost serve` binary as a child process, against the fake OpenRouter: it announces
// its port, serves calls (also through `flowhost call`), and on SIGTERM lets executions in flight
// finish within the grace period before exiting cleanly, leaving the background ones that outlast
// it for the next server to resume. With the fake behind a TLS + HTTP/2 front
// (nghttpx) whose certificate no system store knows, it reaches it only when http.ca_file names it.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "server/cli/commands.h"
#include "server/service/json_proto.h"
#include "tests/cli/run_binary.h"
#include "tests/fake_openrouter/child_process.h"
#include "tests/fake_openrouter/fake_process.h"
#include "tests/http/tls_h2_proxy.h"

namespace flowhost::service {
namespace {

using ::testing::HasSubstr;

constexpr char kSlow[] = R"(name: slow
inputs:
  duration: {type: string, default: 1s}
nodes:
  - name: pause
    type: wait
    params: {duration: "{{ $inputs.duration }}"}
)";

constexpr char kAsk[] = R"(name: ask
inputs:
  question: {type: string, required: true}
nodes:
  - name: answer
    type: openrouter.chat
    params: {model: fake/ok, prompt: "{{ $inputs.question }}"}
)";

// Five items, each answered by a streamed chat completion: their deltas interleave on the wire.
constexpr char kFives[] = R"(name: fives
inputs:
  questions: {type: array, default: [q0, q1, q2, q3, q4]}
nodes:
  - name: each
    type: split_out
    params: {field: questions, destination: question}
    next: answer
  - name: answer
    type: openrouter.chat
    params: {model: fake/ok, prompt: "{{ $json.question }}"}
)";

// A quick LLM call, then a slow one (the fake answers it after 3 s): a server killed during the
// second finds the first recorded as finished. The same with restart_policy: fail.
constexpr char kResumable[] = R"(name: resumable
nodes:
  - name: quick
    type: openrouter.chat
    params: {model: fake/ok, prompt: "first"}
    next: slow
  - name: slow
    type: openrouter.chat
    params: {model: fake/slow-3000, prompt: "second"}
)";
constexpr char kFragile[] = R"(name: fragile
restart_policy: fail
nodes:
  - name: quick
    type: openrouter.chat
    params: {model: fake/scripted, prompt: "first"}
    next: slow
  - name: slow
    type: openrouter.chat
    params: {model: fake/slow-3001, prompt: "second"}
)";

// An LLM call, a 3 s wait (over store.durable_wait_threshold: it parks the execution in the
// store), then a last node.
constexpr char kNapping[] = R"(name: napping
nodes:
  - name: before
    type: openrouter.chat
    params: {model: fake/ok, prompt: "before the nap"}
    next: nap
  - name: nap
    type: wait
    params: {duration: 3s}
    next: after
  - name: after
    type: set
    params: {values: {woke: true}}
)";

// A file that never loads, and one whose workflow name ask.yaml already serves.
constexpr char kBroken[] = "name: broken\nnodes:\n  - name: x\n    type: no.such.type\n";
constexpr char kTwin[] = R"(name: ask
nodes:
  - name: x
    type: noop
)";

class ServeBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = fake_openrouter::FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("flowhost_serve_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "workflows");
    std::ofstream(dir_ / "workflows" / "slow.yaml") << kSlow;
    std::ofstream(dir_ / "workflows" / "ask.yaml") << kAsk;
    std::ofstream(dir_ / "workflows" / "fives.yaml") << kFives;
    std::ofstream(dir_ / "workflows" / "broken.yaml") << kBroken;
    std::ofstream(dir_ / "workflows" / "twin.yaml") << kTwin;
    std::ofstream(dir_ / "workflows" / "resumable.yaml") << kResumable;
    std::ofstream(dir_ / "workflows" / "fragile.yaml") << kFragile;
    std::ofstream(dir_ / "workflows" / "napping.yaml") << kNapping;
    std::ofstream(dir_ / "key.txt") << fake_->api_key() << "\n";
    StartServer();
  }

  // Starts `flowhost serve` on the test's directory (its data dir survives a restart), with
  // `extra` flags.
  void StartServer(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {
        FLOWHOST_BINARY, "serve", "--listen", "127.0.0.1:0", "--workflows",
        (dir_ / "workflows").string(), "--openrouter-base-url", fake_->base_url(),
        "--openrouter-api-key-file", (dir_ / "key.txt").string(), "--shutdown-grace-period", "30s",
        "--data-dir", (dir_ / "data").string(), "--log-level", "warning"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto child = fake_openrouter::ChildProcess::Spawn(argv);
    ASSERT_TRUE(child.ok()) << child.status();
    server_ = *std::move(child);
    absl::StatusOr<std::string> line =
        server_->ReadLine(std::chrono::steady_clock::now() + std::chrono::seconds(60));
    ASSERT_TRUE(line.ok()) << line.status();
    ASSERT_THAT(*line, HasSubstr("LISTENING "));
    target_ = "127.0.0.1:" + line->substr(std::string("LISTENING ").size());
    stub_ = v1::WorkflowService::NewStub(
        grpc::CreateChannel(target_, grpc::InsecureChannelCredentials()));
  }

  // The chat requests the fake has seen for `model`.
  int64_t RequestsFor(const std::string& model) {
    absl::StatusOr<nlohmann::json> stats = fake_->Stats();
    if (!stats.ok()) return -1;
    const nlohmann::json& by_model = (*stats)["by_model"];
    return by_model.contains(model) ? by_model[model].get<int64_t>() : 0;
  }

  // Polls GetExecution until `done` holds for the execution, for up to `timeout`.
  v1::Execution WaitForExecution(const std::string& id,
                                 const std::function<bool(const v1::Execution&)>& done,
                                 absl::Duration timeout = absl::Seconds(30)) {
    absl::Time give_up = absl::Now() + timeout;
    v1::GetExecutionResponse response;
    while (absl::Now() < give_up) {
      v1::GetExecutionRequest request;
      request.set_execution_id(id);
      request.set_include_nodes(true);
      response.Clear();
      if (stub_->GetExecution(Context().get(), request, &response).ok() &&
          done(response.execution())) {
        return response.execution();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "execution " << id << " never got there; last seen "
                  << response.execution().DebugString();
    return response.execution();
  }

  // Starts each of `workflows` (two-node ones) with StartWorkflow and waits until each runs its
  // second node, its first recorded as succeeded. Returns their execution ids (fewer after a
  // failure).
  std::vector<std::string> StartAndWaitForTheirSecondNodes(
      const std::vector<std::string>& workflows) {
    std::vector<std::string> ids;
    for (const std::string& workflow : workflows) {
      v1::StartWorkflowRequest start;
      start.set_workflow(workflow);
      v1::StartWorkflowResponse started;
      grpc::Status status = stub_->StartWorkflow(Context().get(), start, &started);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) return ids;
      ids.push_back(started.execution_id());
    }
    for (const std::string& id : ids) {
      WaitForExecution(id, [](const v1::Execution& e) {
        return e.nodes_size() == 2 && e.nodes(0).status() == v1::NODE_STATUS_SUCCEEDED &&
               e.nodes(1).status() == v1::NODE_STATUS_RUNNING;
      });
    }
    return ids;
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Stop().IgnoreError();
    std::filesystem::remove_all(dir_);
  }

  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return context;
  }

  std::unique_ptr<fake_openrouter::FakeProcess> fake_;
  std::filesystem::path dir_;
  std::unique_ptr<fake_openrouter::ChildProcess> server_;
  std::string target_;
  std::unique_ptr<v1::WorkflowService::Stub> stub_;
};

// kill -9 while an execution runs its second node: the restarted server claims it and resumes it
// from its last finished node (the first node's upstream call is made once, the second's twice);
// one whose workflow says restart_policy: fail is failed instead.
TEST_F(ServeBinaryTest, AfterKillNineTheRestartedServerResumesFromTheLastFinishedNode) {
  std::vector<std::string> ids = StartAndWaitForTheirSecondNodes({"resumable", "fragile"});
  ASSERT_EQ(ids.size(), 2u);
  ASSERT_EQ(RequestsFor("fake/ok"), 1);
  ASSERT_EQ(RequestsFor("fake/scripted"), 1);

  ASSERT_EQ(kill(server_->pid(), SIGKILL), 0);
  server_->Stop().IgnoreError();  // reaps it
  StartServer();

  v1::Execution resumed = WaitForExecution(ids[0], [](const v1::Execution& e) {
    return e.state() == v1::EXECUTION_STATE_SUCCEEDED;
  });
  EXPECT_EQ(resumed.id(), ids[0]);
  ASSERT_EQ(resumed.nodes_size(), 2);
  EXPECT_EQ(resumed.nodes(0).attempts(), 1);  // its row as its one run left it
  EXPECT_EQ(RequestsFor("fake/ok"), 1);       // the finished node did not run again
  v1::Execution failed = WaitForExecution(ids[1], [](const v1::Execution& e) {
    return e.state() == v1::EXECUTION_STATE_FAILED;
  });
  EXPECT_THAT(failed.error().message(), HasSubstr("restart_policy is fail"));
  EXPECT_EQ(RequestsFor("fake/scripted"), 1);
  // The slow node: once before the kill, once more after it (resumed); the failed one's once.
  EXPECT_EQ(RequestsFor("fake/slow-3000"), 2);
  EXPECT_EQ(RequestsFor("fake/slow-3001"), 1);
}

// A redeploy: SIGTERM while executions outlast a short grace period. The background execution
// (StartWorkflow) is released in the store rather than cancelled, and the next server resumes it
// from its last finished node: the first node's upstream call is made once, the second's twice,
// and its event log ends with one execution_finished, its real one. A background execution whose
// workflow says restart_policy: fail, and a synchronous run (its caller is answered), are
// cancelled.
TEST_F(ServeBinaryTest, ASigtermPastTheGracePeriodLeavesBackgroundExecutionsForTheNextServer) {
  server_->Stop().IgnoreError();
  StartServer({"--shutdown-grace-period", "300ms"});
  std::vector<std::string> ids = StartAndWaitForTheirSecondNodes({"resumable", "fragile"});
  ASSERT_EQ(ids.size(), 2u);
  v1::StreamWorkflowRequest stream_request;
  stream_request.set_workflow("slow");
  (*stream_request.mutable_input()->mutable_fields())["duration"].set_string_value("10m");
  auto stream_context = Context();
  auto reader = stub_->StreamWorkflow(stream_context.get(), stream_request);
  v1::StreamWorkflowResponse event;
  std::string synchronous_id;
  bool node_started = false;
  while (!node_started && reader->Read(&event)) {
    if (event.has_execution_started()) synchronous_id = event.execution_started().execution_id();
    node_started = event.has_node_started();
  }
  ASSERT_TRUE(node_started);
  ASSERT_EQ(RequestsFor("fake/ok"), 1);
  ASSERT_EQ(RequestsFor("fake/scripted"), 1);

  absl::Status stopped = server_->Stop(/*grace_ms=*/60000);  // SIGTERM
  EXPECT_TRUE(stopped.ok()) << stopped;                        // exit status 0
  while (reader->Read(&event)) {
  }
  grpc::Status streamed = reader->Finish();
  EXPECT_EQ(streamed.error_code(), grpc::StatusCode::CANCELLED) << streamed.error_message();
  StartServer();

  v1::Execution resumed = WaitForExecution(ids[0], [](const v1::Execution& e) {
    return e.state() == v1::EXECUTION_STATE_SUCCEEDED;
  });
  ASSERT_EQ(resumed.nodes_size(), 2);
  EXPECT_EQ(resumed.nodes(0).attempts(), 1);  // its row as its one run left it
  EXPECT_EQ(RequestsFor("fake/ok"), 1);       // the finished node did not run again
  EXPECT_EQ(RequestsFor("fake/slow-3000"), 2);
  v1::Execution cancelled = WaitForExecution(ids[1], [](const v1::Execution& e) {
    return e.state() == v1::EXECUTION_STATE_CANCELLED;
  });
  EXPECT_THAT(cancelled.error().message(), HasSubstr("the server is shutting down"));
  EXPECT_EQ(RequestsFor("fake/slow-3001"), 1);
  v1::Execution synchronous = WaitForExecution(synchronous_id, [](const v1::Execution& e) {
    return e.state() == v1::EXECUTION_STATE_CANCELLED;
  });
  EXPECT_EQ(synchronous.state(), v1::EXECUTION_STATE_CANCELLED);

  // Its event log: the second node stopped by the shutdown, then run again by the next server.
  std::ostringstream watch_out, watch_err;
  ASSERT_EQ(cli::ExecutionsCommand({"watch", ids[0], "--target", target_}, watch_out, watch_err),
            cli::kExitOk)
      << watch_err.str();
  std::string log = watch_out.str();
  EXPECT_THAT(log, HasSubstr("node_finished       quick succeeded"));
  EXPECT_THAT(log, HasSubstr("node_finished       slow cancelled"));
  EXPECT_THAT(log, HasSubstr("node_finished       slow succeeded"));
  EXPECT_THAT(log, ::testing::EndsWith("execution_finished  succeeded\n"));
  size_t finished = 0;
  for (size_t at = log.find("execution_finished"); at != std::string::npos;
       at = log.find("execution_finished", at + 1)) {
    ++finished;
  }
  EXPECT_EQ(finished, 1u);
}

// A durable wait: the 3 s `wait` parks its execution in the store (waiting, its node before
// finished); the server is killed with kill -9 during the wait and restarted; the execution
// finishes after the wait, and the node before it ran once.
TEST_F(ServeBinaryTest, ADurableWaitOutlivesAKillNineAndTheNodeBeforeItRunsOnce) {
  absl::Time started_at = absl::Now();
  v1::StartWorkflowRequest start;
  start.set_workflow("napping");
  v1::StartWorkflowResponse started;
  grpc::Status status = stub_->StartWorkflow(Context().get(), start, &started);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::Execution parked = WaitForExecution(started.execution_id(), [](const v1::Execution& e) {
    return e.state() == v1::EXECUTION_STATE_WAITING;
  });
  ASSERT_EQ(parked.state(), v1::EXECUTION_STATE_WAITING);
  ASSERT_GE(parked.nodes_size(), 1);
  EXPECT_EQ(parked.nodes(0).name(), "before");
  EXPECT_EQ(parked.nodes(0).status(), v1::NODE_STATUS_SUCCEEDED);
  ASSERT_EQ(RequestsFor("fake/ok"), 1);

  ASSERT_EQ(kill(server_->pid(), SIGKILL), 0);
  server_->Stop().IgnoreError();  // reaps it
  StartServer({"--store-poll-interval", "200ms"});

  v1::Execution done = WaitForExecution(started.execution_id(), [](const v1::Execution& e) {
    return e.state() == v1::EXECUTION_STATE_SUCCEEDED;
  });
  ASSERT_EQ(done.state(), v1::EXECUTION_STATE_SUCCEEDED);
  EXPECT_GE(absl::Now() - started_at, absl::Seconds(3)) << "it did not wait";
  EXPECT_EQ(RequestsFor("fake/ok"), 1);  // the node before the wait did not run again
  std::vector<std::string> succeeded;
  for (const v1::ExecutionNode& node : done.nodes()) {
    if (node.status() == v1::NODE_STATUS_SUCCEEDED) succeeded.push_back(node.name());
  }
  EXPECT_THAT(succeeded, ::testing::UnorderedElementsAre("before", "nap", "after"));
  ASSERT_GE(done.nodes_size(), 1);
  EXPECT_EQ(done.nodes(0).attempts(), 1);

  // Its event log, through `flowhost executions watch`: both runs, one sequence.
  std::ostringstream watch_out, watch_err;
  ASSERT_EQ(cli::ExecutionsCommand({"watch", started.execution_id(), "--target", target_},
                                   watch_out, watch_err),
            cli::kExitOk)
      << watch_err.str();
  std::string log = watch_out.str();
  EXPECT_THAT(log, HasSubstr("execution_started   napping"));
  EXPECT_THAT(log, HasSubstr("node_finished       before succeeded"));
  EXPECT_THAT(log, HasSubstr("node_finished       after succeeded"));
  EXPECT_THAT(log, ::testing::EndsWith("execution_finished  succeeded\n"));
  int lines = static_cast<int>(std::count(log.begin(), log.end(), '\n'));
  std::ostringstream last_out, last_err;
  ASSERT_EQ(cli::ExecutionsCommand({"watch", started.execution_id(), "--from",
                                    std::to_string(lines), "--target", target_},
                                   last_out, last_err),
            cli::kExitOk);
  std::string last = last_out.str();
  EXPECT_THAT(last, ::testing::StartsWith(absl::StrFormat("%6d  execution_finished", lines)));
  EXPECT_EQ(std::count(last.begin(), last.end(), '\n'), 1);
}

// `flowhost executions` against the real server, which records into its --data-dir by itself.
TEST_F(ServeBinaryTest, TheExecutionsVerbListsShowsAndCancelsWhatTheServerRecorded) {
  EXPECT_TRUE(std::filesystem::exists(dir_ / "data" / "flowhost.db"));
  v1::RunWorkflowRequest run;
  run.set_workflow("ask");
  (*run.mutable_input()->mutable_fields())["question"].set_string_value("recorded?");
  v1::RunWorkflowResponse ran;
  ASSERT_TRUE(stub_->RunWorkflow(Context().get(), run, &ran).ok());

  // The outcome is committed by the store's thread after the reply: wait for it in the listing.
  std::string listing;
  for (int i = 0; i < 2000 && listing.find("succeeded") == std::string::npos; ++i) {
    std::ostringstream out, err;
    ASSERT_EQ(cli::ExecutionsCommand({"list", "--target", target_, "--workflow", "ask"}, out, err),
              cli::kExitOk)
        << err.str();
    listing = out.str();
    if (listing.find("succeeded") == std::string::npos) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_THAT(listing, HasSubstr(ran.execution_id()));
  EXPECT_THAT(listing, HasSubstr("succeeded"));

  std::ostringstream show_out, show_err;
  ASSERT_EQ(cli::ExecutionsCommand({"show", ran.execution_id(), "--target", target_, "--items"},
                                   show_out, show_err),
            cli::kExitOk)
      << show_err.str();
  EXPECT_THAT(show_out.str(), HasSubstr("workflow   ask"));
  EXPECT_THAT(show_out.str(), HasSubstr("answer"));
  EXPECT_THAT(show_out.str(), HasSubstr("Fake answer to: recorded?"));

  std::ostringstream json_out, json_err;
  ASSERT_EQ(cli::ExecutionsCommand({"show", ran.execution_id(), "--target", target_, "--json"},
                                   json_out, json_err),
            cli::kExitOk);
  nlohmann::json shown = nlohmann::json::parse(json_out.str());
  EXPECT_EQ(shown["id"], ran.execution_id());
  EXPECT_EQ(shown["state"], "EXECUTION_STATE_SUCCEEDED");

  v1::StartWorkflowRequest start;
  start.set_workflow("slow");
  (*start.mutable_input()->mutable_fields())["duration"].set_string_value("60s");
  v1::StartWorkflowResponse started;
  ASSERT_TRUE(stub_->StartWorkflow(Context().get(), start, &started).ok());
  std::ostringstream cancel_out, cancel_err;
  EXPECT_EQ(cli::ExecutionsCommand({"cancel", started.execution_id(), "--target", target_},
                                   cancel_out, cancel_err),
            cli::kExitOk)
      << cancel_err.str();
  EXPECT_THAT(cancel_out.str(), HasSubstr(started.execution_id()));

  std::ostringstream missing_out, missing_err;
  EXPECT_EQ(cli::ExecutionsCommand({"show", "ex-0000000000000000", "--target", target_},
                                   missing_out, missing_err),
            cli::kExitInvalid);
  EXPECT_THAT(missing_err.str(), HasSubstr("NOT_FOUND"));
  EXPECT_THAT(missing_err.str(), HasSubstr("flowhost executions list"));
}

TEST_F(ServeBinaryTest, CallVerbRunsAWorkflowOnTheServerAndPrintsItsOutput) {
  std::ostringstream out, err;
  int code = cli::CallCommand(
      {"ask", "--input", R"({"question": "hi"})", "--target", target_, "--timeout", "60s"}, out,
      err);
  EXPECT_EQ(code, cli::kExitOk) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("Fake answer to: hi"));

  std::ostringstream streamed_out, streamed_err;
  code = cli::CallCommand(
      {"ask", "--stream", "--input", R"({"question": "again"})", "--target", target_}, streamed_out,
      streamed_err);
  EXPECT_EQ(code, cli::kExitOk) << streamed_err.str();
  EXPECT_THAT(streamed_err.str(), HasSubstr("  answer[0] > Fake answer to: again\n"));
  EXPECT_THAT(streamed_err.str(), HasSubstr("flowhost: 'ask' succeeded: "));

  std::ostringstream missing_out, missing_err;
  EXPECT_EQ(cli::CallCommand({"nope", "--target", target_}, missing_out, missing_err),
            cli::kExitInvalid);
  EXPECT_THAT(missing_err.str(), HasSubstr("NOT_FOUND"));
  // The hint names something the CLI can do.
  EXPECT_THAT(missing_err.str(),
              HasSubstr("`flowhost list --target " + target_ + "` lists the workflows"));
}

TEST_F(ServeBinaryTest, CallStreamWritesEachItemsTextOnItsOwnLabelledLine) {
  std::ostringstream out, err;
  int code = cli::CallCommand({"fives", "--stream", "--target", target_}, out, err);
  ASSERT_EQ(code, cli::kExitOk) << err.str();
  for (int i = 0; i < 5; ++i) {
    std::string line =
        "  answer[" + std::to_string(i) + "] > Fake answer to: q" + std::to_string(i) + "\n";
    EXPECT_THAT(err.str(), HasSubstr(line)) << err.str();
  }
  std::istringstream lines(err.str());
  for (std::string line; std::getline(lines, line);) {
    // Never two items' text on one line, never text under another item's label.
    size_t first = line.find("Fake answer");
    EXPECT_EQ(line.find("Fake answer", first + 1), std::string::npos) << line;
    if (first != std::string::npos) {
      std::string index = line.substr(line.find('[') + 1, 1);
      EXPECT_THAT(line, ::testing::EndsWith("q" + index)) << line;
    }
  }
  EXPECT_THAT(err.str(), HasSubstr("  answer: succeeded, 5 item(s) in "));
  EXPECT_THAT(err.str(), HasSubstr("flowhost: 'fives' succeeded: "));
}

TEST_F(ServeBinaryTest, ListShowsEveryFileWithItsLoadStateAndDiagnostics) {
  std::ostringstream out, err;
  ASSERT_EQ(cli::ListCommand({"--target", target_}, out, err), cli::kExitOk) << err.str();
  const std::string text = out.str();
  EXPECT_THAT(text, ::testing::ContainsRegex("\nask +loaded +1  ask.yaml\n"));
  EXPECT_THAT(text, ::testing::ContainsRegex("\nbroken +failed +-  broken.yaml\n"));
  EXPECT_THAT(text, ::testing::ContainsRegex("\ntwin +failed +-  twin.yaml\n"));
  EXPECT_THAT(text, HasSubstr("twin.yaml: error: workflow name 'ask' is already defined by "
                              "ask.yaml"));
  EXPECT_THAT(text, HasSubstr("broken.yaml:4:11: error: "));

  std::ostringstream json_out, json_err;
  ASSERT_EQ(cli::ListCommand({"--target", target_, "--json"}, json_out, json_err), cli::kExitOk);
  nlohmann::json list = nlohmann::json::parse(json_out.str());
  std::map<std::string, std::string> states;
  for (const auto& workflow : list) states[workflow["file"]] = workflow["state"];
  EXPECT_EQ(states["ask.yaml"], "loaded");
  EXPECT_EQ(states["fives.yaml"], "loaded");
  EXPECT_EQ(states["broken.yaml"], "failed");
  EXPECT_EQ(states["twin.yaml"], "failed");
}

TEST(ServeBinaryListTest, ListWithNoServerSaysWhereItLookedAndExitsOne) {
  std::ostringstream out, err;
  EXPECT_EQ(cli::ListCommand({"--target", "127.0.0.1:1", "--timeout", "5s"}, out, err),
            cli::kExitFailed);
  EXPECT_THAT(err.str(), HasSubstr("is `flowhost serve` running and listening on 127.0.0.1:1?"));
}

TEST_F(ServeBinaryTest, ACallThatFailsAtANodeNamesItsFileAndLine) {
  std::ostringstream out, err;
  int code = cli::CallCommand(
      {"ask", "--target", target_, "--input", R"({"question": "hi"})", "--timeout", "60s"}, out,
      err);
  ASSERT_EQ(code, cli::kExitOk) << err.str();  // the control: it works

  ASSERT_TRUE(fake_->AddRules({{{"model", "fake/ok"}, {"behavior", {{"status", 502}}}}}).ok());
  std::ostringstream failed_out, failed_err;
  code = cli::CallCommand({"ask", "--target", target_, "--input", R"({"question": "hi"})"},
                          failed_out, failed_err);
  EXPECT_EQ(code, cli::kExitFailed) << failed_err.str();
  // As `flowhost run` says it: the workflow, the node and where it is defined.
  EXPECT_THAT(failed_err.str(), HasSubstr("flowhost: 'ask' failed at node 'answer' (ask.yaml:5)"));
}

// Asks reflection (at `method`: v1 or v1alpha, whose messages are the same on the wire) one
// question per request on one stream; returns the answers in order.
std::vector<grpc::reflection::v1::ServerReflectionResponse> AskReflection(
    const std::string& target, const std::string& method,
    const std::vector<grpc::reflection::v1::ServerReflectionRequest>& requests) {
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  std::unique_ptr<grpc::ClientReaderWriter<grpc::reflection::v1::ServerReflectionRequest,
                                           grpc::reflection::v1::ServerReflectionResponse>>
      stream(grpc::internal::ClientReaderWriterFactory<
             grpc::reflection::v1::ServerReflectionRequest,
             grpc::reflection::v1::ServerReflectionResponse>::
                 Create(channel.get(),
                        grpc::internal::RpcMethod(
                            method.c_str(), grpc::internal::RpcMethod::BIDI_STREAMING, channel),
                        &context));
  std::vector<grpc::reflection::v1::ServerReflectionResponse> answers;
  for (const auto& request : requests) {
    EXPECT_TRUE(stream->Write(request));
    grpc::reflection::v1::ServerReflectionResponse answer;
    EXPECT_TRUE(stream->Read(&answer));
    answers.push_back(std::move(answer));
  }
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << method << ": " << status.error_message();
  return answers;
}

std::set<std::string> ServiceNames(const grpc::reflection::v1::ServerReflectionResponse& answer) {
  std::set<std::string> names;
  for (const auto& service : answer.list_services_response().service()) {
    names.insert(service.name());
  }
  return names;
}

TEST_F(ServeBinaryTest, AReflectionV1ClientListsTheServicesAndGetsTheirFiles) {
  grpc::reflection::v1::ServerReflectionRequest list;
  list.set_list_services("*");
  grpc::reflection::v1::ServerReflectionRequest by_symbol;
  by_symbol.set_file_containing_symbol("flowhost.v1.WorkflowService");
  grpc::reflection::v1::ServerReflectionRequest unknown;
  unknown.set_file_containing_symbol("flowhost.v1.NoSuchThing");
  std::vector<grpc::reflection::v1::ServerReflectionResponse> answers =
      AskReflection(target_, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                    {list, by_symbol, unknown});
  ASSERT_EQ(answers.size(), 3u);

  EXPECT_EQ(ServiceNames(answers[0]),
            (std::set<std::string>{"flowhost.v1.WorkflowService", "grpc.health.v1.Health",
                                   "grpc.reflection.v1.ServerReflection",
                                   "grpc.reflection.v1alpha.ServerReflection"}));
  EXPECT_EQ(answers[0].original_request().list_services(), "*");

  // The file first, then what it imports (so a client can build every message from them).
  const auto& files = answers[1].file_descriptor_response().file_descriptor_proto();
  ASSERT_GE(files.size(), 2);
  std::set<std::string> names;
  for (const std::string& bytes : files) {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    names.insert(file.name());
  }
  google::protobuf::FileDescriptorProto first;
  ASSERT_TRUE(first.ParseFromString(files[0]));
  EXPECT_EQ(first.name(), "flowhost/v1/workflow_service.proto");
  ASSERT_EQ(first.service_size(), 1);
  EXPECT_EQ(first.service(0).name(), "WorkflowService");
  EXPECT_TRUE(names.contains("flowhost/v1/workflow.proto"));
  EXPECT_TRUE(names.contains("google/protobuf/struct.proto"));

  EXPECT_EQ(answers[2].error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(answers[2].error_response().error_message(), HasSubstr("flowhost.v1.NoSuchThing"));
}

TEST_F(ServeBinaryTest, ReflectionV1AlphaIsStillServedAndListsTheSameServices) {
  grpc::reflection::v1::ServerReflectionRequest list;
  list.set_list_services("");
  auto v1 =
      AskReflection(target_, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", {list});
  auto v1alpha = AskReflection(
      target_, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", {list});
  ASSERT_EQ(v1.size(), 1u);
  ASSERT_EQ(v1alpha.size(), 1u);
  EXPECT_FALSE(ServiceNames(v1alpha[0]).empty());
  EXPECT_EQ(ServiceNames(v1[0]), ServiceNames(v1alpha[0]));
}

TEST_F(ServeBinaryTest, ASecondServerOnAPortInUseFailsNamingTheAddressAndTheFirstKeepsServing) {
  flowhost::testing::BinaryResult second = flowhost::testing::RunBinary(
      {FLOWHOST_BINARY, "serve", "--listen", target_, "--workflows", (dir_ / "workflows").string(),
       "--openrouter-base-url", fake_->base_url(), "--store", "none", "--log-level", "warning"},
      {}, 60000);
  EXPECT_NE(second.exit_code, 0);
  EXPECT_EQ(second.out.find("LISTENING"), std::string::npos) << second.out;
  EXPECT_THAT(second.err,
              HasSubstr("flowhost serve: cannot listen on " + target_ + ": address already in use"))
      << second.err;
  // Whatever else it wrote (gRPC's own complaint included) is a JSON log line.
  std::istringstream lines(second.err);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("flowhost serve: ", 0) == 0) continue;
    sdk::Json parsed = sdk::Json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON log line: " << line;
  }

  // The first server still answers every call: nothing was split off to the second.
  for (int i = 0; i < 5; ++i) {
    std::ostringstream out, err;
    EXPECT_EQ(cli::CallCommand({"ask", "--input", R"({"question": "still there?"})", "--target",
                                target_, "--timeout", "60s"},
                               out, err),
              cli::kExitOk)
        << err.str();
  }
}

TEST_F(ServeBinaryTest, SigtermLetsExecutionsInFlightFinishThenExitsCleanly) {
  v1::StreamWorkflowRequest request;
  request.set_workflow("slow");
  auto context = Context();
  auto reader = stub_->StreamWorkflow(context.get(), request);
  v1::StreamWorkflowResponse event;
  bool node_started = false;
  while (!node_started && reader->Read(&event)) node_started = event.has_node_started();
  ASSERT_TRUE(node_started);

  absl::Status stopped;
  std::thread terminator([&] { stopped = server_->Stop(/*grace_ms=*/60000); });  // SIGTERM
  v1::StreamWorkflowResponse last;
  while (reader->Read(&event)) last = event;
  grpc::Status status = reader->Finish();
  terminator.join();

  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(last.execution_finished().status(), v1::EXECUTION_STATUS_SUCCEEDED);
  EXPECT_TRUE(stopped.ok()) << stopped;  // exit status 0
  server_.reset();
}

// Runs `slow` with a zero wait: OK while serving, UNAVAILABLE once the server drains.
grpc::Status QuickRun(v1::WorkflowService::Stub& stub) {
  v1::RunWorkflowRequest request;
  request.set_workflow("slow");
  (*request.mutable_input()->mutable_fields())["duration"].set_string_value("0s");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::RunWorkflowResponse response;
  return stub.RunWorkflow(&context, request, &response);
}

TEST_F(ServeBinaryTest, ASecondSigtermDuringTheDrainCancelsTheExecutionsInFlightAtOnce) {
  v1::StreamWorkflowRequest request;
  request.set_workflow("slow");
  (*request.mutable_input()->mutable_fields())["duration"].set_string_value("10m");
  // Shorter than the 30 s grace period: if the second signal did not cut the drain short, this
  // call would end DEADLINE_EXCEEDED, not CANCELLED.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto reader = stub_->StreamWorkflow(&context, request);
  v1::StreamWorkflowResponse event;
  bool node_started = false;
  while (!node_started && reader->Read(&event)) node_started = event.has_node_started();
  ASSERT_TRUE(node_started);

  ASSERT_EQ(kill(server_->pid(), SIGTERM), 0);
  // The drain has begun once new executions are refused (two signals sent together would be
  // delivered as one).
  grpc::Status quick = QuickRun(*stub_);
  for (int i = 0; i < 100000 && quick.error_code() != grpc::StatusCode::UNAVAILABLE; ++i) {
    quick = QuickRun(*stub_);
  }
  ASSERT_EQ(quick.error_code(), grpc::StatusCode::UNAVAILABLE) << quick.error_message();
  ASSERT_EQ(kill(server_->pid(), SIGINT), 0);

  v1::StreamWorkflowResponse last;
  while (reader->Read(&event)) last = event;
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("the server is shutting down"));
  EXPECT_EQ(last.execution_finished().status(), v1::EXECUTION_STATUS_CANCELLED);
  EXPECT_TRUE(server_->Stop().ok());  // it had exited, with status 0
  server_.reset();
}

TEST_F(ServeBinaryTest,
       AnAliasBombDroppedIntoTheWorkflowsDirectoryIsListedFailedAndTheServerCarriesOn) {
  // The issue's reproduction: a 1 MiB string anchored once and aliased 2,000 times.
  std::string yaml = "name: b\nx-s: &s \"" + std::string(size_t{1} << 20, 'a') + "\"\nnodes:\n";
  yaml += "  - name: a\n    type: set\n    params: {values: {x: [*s";
  for (int i = 1; i < 2000; ++i) yaml += ", *s";
  yaml += "]}}\n";
  std::ofstream(dir_ / "b.yaml.part") << yaml;  // renamed into place, as a deployment would
  std::filesystem::rename(dir_ / "b.yaml.part", dir_ / "workflows" / "b.yaml");

  v1::GetWorkflowRequest get;
  get.set_name("b");
  v1::GetWorkflowResponse got;
  grpc::Status status;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);  // failure bound only
  do {
    auto context = Context();
    status = stub_->GetWorkflow(context.get(), get, &got);
  } while (status.error_code() == grpc::StatusCode::NOT_FOUND &&
           std::chrono::steady_clock::now() < until);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got.workflow().load_state(), v1::LOAD_STATE_FAILED);
  EXPECT_EQ(got.workflow().source_file(), "b.yaml");
  ASSERT_EQ(got.workflow().diagnostics_size(), 1);
  EXPECT_EQ(got.workflow().diagnostics(0).line(), 6);
  EXPECT_EQ(got.workflow().diagnostics(0).column(), 31);
  EXPECT_THAT(got.workflow().diagnostics(0).message(),
              HasSubstr("alias '*s' repeats 1048576 bytes here"));

  grpc::Status quick = QuickRun(*stub_);
  EXPECT_TRUE(quick.ok()) << quick.error_message();
}

// `flowhost serve` with the upstream at `base_url` and `extra` flags; the workflows directory holds
// kAsk and the fake's key. Returns the server, or nullptr after a test failure.
std::unique_ptr<fake_openrouter::ChildProcess> ServeAsk(const std::filesystem::path& dir,
                                                        const std::string& base_url,
                                                        const std::string& api_key,
                                                        std::vector<std::string> extra,
                                                        std::string* target) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "workflows");
  std::ofstream(dir / "workflows" / "ask.yaml") << kAsk;
  std::ofstream(dir / "key.txt") << api_key << "\n";
  std::vector<std::string> argv = {FLOWHOST_BINARY,
                                   "serve",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--workflows",
                                   (dir / "workflows").string(),
                                   "--openrouter-base-url",
                                   base_url,
                                   "--openrouter-api-key-file",
                                   (dir / "key.txt").string(),
                                   "--store",
                                   "none",
                                   "--log-level",
                                   "warning"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto child = fake_openrouter::ChildProcess::Spawn(argv);
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return nullptr;
  absl::StatusOr<std::string> line =
      (*child)->ReadLine(std::chrono::steady_clock::now() + std::chrono::seconds(60));
  EXPECT_TRUE(line.ok()) << line.status();
  if (!line.ok() || line->rfind("LISTENING ", 0) != 0) return nullptr;
  *target = "127.0.0.1:" + line->substr(std::string("LISTENING ").size());
  return *std::move(child);
}

TEST(ServeBinaryHttpsTest, ReachesAnHttpsUpstreamOnlyWhenHttpCaFileTrustsIt) {
  auto fake = fake_openrouter::FakeProcess::Start();
  ASSERT_TRUE(fake.ok()) << fake.status();
  auto proxy = http::testing::TlsH2Proxy::Start((*fake)->port());
  if (absl::IsFailedPrecondition(proxy.status())) GTEST_SKIP() << proxy.status();
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  const std::string base_url = (*proxy)->origin() + "/api/v1";
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    ("flowhost_serve_https_" + std::to_string(getpid()));

  std::string target;
  auto trusting =
      ServeAsk(dir, base_url, (*fake)->api_key(), {"--http-ca-file", (*proxy)->ca_file()}, &target);
  ASSERT_NE(trusting, nullptr);
  std::ostringstream out, err;
  EXPECT_EQ(cli::CallCommand({"ask", "--input", R"({"question": "over h2"})", "--target", target,
                              "--timeout", "60s"},
                             out, err),
            cli::kExitOk)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("Fake answer to: over h2"));
  EXPECT_TRUE(trusting->Stop().ok());

  auto distrusting = ServeAsk(dir, base_url, (*fake)->api_key(), {}, &target);
  ASSERT_NE(distrusting, nullptr);
  std::ostringstream refused_out, refused_err;
  EXPECT_EQ(cli::CallCommand({"ask", "--input", R"({"question": "over h2"})", "--target", target,
                              "--timeout", "60s"},
                             refused_out, refused_err),
            cli::kExitFailed);
  EXPECT_THAT(refused_err.str(), HasSubstr("certificate")) << refused_err.str();
  EXPECT_TRUE(distrusting->Stop().ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flowhost::service
