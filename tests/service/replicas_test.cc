// Replicas on one PostgreSQL (docs/executions.md, "Replicas"): real `flowhost serve` processes
// sharing a real PostgreSQL 15 (tests/store/postgres_server.h), against the fake OpenRouter,
// which counts each node's upstream calls by the `user` field the workflows set to
// "<execution id>/<node>" (its `by_user` statistics, counted when a request arrives).
//
// - 1,000 StartWorkflow calls spread over two replicas, one replica killed with kill -9 midway:
//   every execution finishes, and every node's call is made once, or twice only for the node in
//   flight at the kill of an execution the killed replica was running (a node starts only once its
//   predecessor's result is committed, so no execution has two nodes run again).
// - A StartWorkflow accepted by a replica at its limit of executions in flight is queued in the
//   database and run by another replica; a queued execution nobody was notified of is found by
//   the poll.
// - CancelExecution sent to one replica stops an execution running on the other at once.
// - A replica stopped with SIGTERM hands the background executions that outlast its grace period
//   to the other at once.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libpq-fe.h"
#include "nlohmann/json.hpp"
#include "tests/fake_openrouter/child_process.h"
#include "tests/fake_openrouter/fake_process.h"
#include "tests/store/store_backends.h"

namespace flowhost::service {
namespace {

using store::testing::PostgresBackend;
using ::testing::HasSubstr;

// Two LLM calls in a row, each naming its execution and node to the fake. The second is slow
// (200 ms), so a kill finds executions at either node.
constexpr char kPair[] = R"(name: pair
nodes:
  - name: first
    type: openrouter.chat
    params: {model: fake/ok, prompt: "first", user: "{{ $execution.id }}/first"}
    next: second
  - name: second
    type: openrouter.chat
    params: {model: fake/slow-200, prompt: "second", user: "{{ $execution.id }}/second"}
)";

// One LLM call that takes `ms` milliseconds (the fake answers after that long).
constexpr char kHold[] = R"(name: hold
inputs:
  ms: {type: integer, default: 2000}
nodes:
  - name: call
    type: openrouter.chat
    params: {model: "fake/slow-{{ $inputs.ms }}", prompt: "hold", user: "{{ $execution.id }}/call"}
)";

using Rows = std::vector<std::vector<std::string>>;

// Runs `sql` on `url` and returns its rows as text (NULL as ""); a failure fails the test.
Rows Query(const std::string& url, const std::string& sql) {
  Rows rows;
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect: " << PQerrorMessage(conn);
    PQfinish(conn);
    return rows;
  }
  PGresult* result = PQexec(conn, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
  } else {
    for (int i = 0; i < PQntuples(result); ++i) {
      std::vector<std::string>& row = rows.emplace_back();
      for (int j = 0; j < PQnfields(result); ++j) row.emplace_back(PQgetvalue(result, i, j));
    }
  }
  PQclear(result);
  PQfinish(conn);
  return rows;
}

int64_t Count(const std::string& url, const std::string& sql) {
  Rows rows = Query(url, sql);
  return rows.empty() || rows[0].empty() ? -1 : std::stoll(rows[0][0]);
}

// One `flowhost serve` process on the shared database.
struct Replica {
  std::unique_ptr<fake_openrouter::ChildProcess> process;
  std::string target;
  std::unique_ptr<v1::WorkflowService::Stub> stub;
};

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status prepared = database_.Prepare();
    if (absl::IsFailedPrecondition(prepared)) GTEST_SKIP() << prepared;
    ASSERT_TRUE(prepared.ok()) << prepared;
    auto fake = fake_openrouter::FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("flowhost_replicas_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "workflows");
    std::ofstream(dir_ / "workflows" / "pair.yaml") << kPair;
    std::ofstream(dir_ / "workflows" / "hold.yaml") << kHold;
    std::ofstream(dir_ / "key.txt") << fake_->api_key() << "\n";
  }

  void TearDown() override {
    for (Replica& replica : replicas_) {
      // Without a client connected, the server stops at once (an idle connection keeps gRPC's
      // shutdown waiting for its 5 s deadline).
      replica.stub.reset();
      if (replica.process != nullptr) replica.process->Stop().IgnoreError();
    }
    std::filesystem::remove_all(dir_);
  }

  // Starts a replica on the test's database with `extra` flags; returns its index.
  size_t StartReplica(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {
        FLOWHOST_BINARY, "serve", "--listen", "127.0.0.1:0", "--workflows",
        (dir_ / "workflows").string(), "--openrouter-base-url", fake_->base_url(),
        "--openrouter-api-key-file", (dir_ / "key.txt").string(), "--store", "postgres",
        "--store-url", database_.url(), "--store-replicas", "2", "--log-level", "warning"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Replica& replica = replicas_.emplace_back();
    auto child = fake_openrouter::ChildProcess::Spawn(argv);
    EXPECT_TRUE(child.ok()) << child.status();
    if (!child.ok()) return replicas_.size() - 1;
    replica.process = *std::move(child);
    absl::StatusOr<std::string> line =
        replica.process->ReadLine(std::chrono::steady_clock::now() + std::chrono::seconds(60));
    EXPECT_TRUE(line.ok()) << line.status();
    if (!line.ok()) return replicas_.size() - 1;
    EXPECT_THAT(*line, HasSubstr("LISTENING "));
    replica.target = "127.0.0.1:" + line->substr(std::string("LISTENING ").size());
    replica.stub = v1::WorkflowService::NewStub(
        grpc::CreateChannel(replica.target, grpc::InsecureChannelCredentials()));
    return replicas_.size() - 1;
  }

  static std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout = absl::Seconds(30)) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return context;
  }

  grpc::Status Start(Replica& replica, const std::string& workflow, v1::StartWorkflowResponse* out,
                     const std::string& key = "", const std::string& input_json = "") {
    v1::StartWorkflowRequest request;
    request.set_workflow(workflow);
    if (!key.empty()) request.set_idempotency_key(key);
    if (!input_json.empty()) {
      nlohmann::json input = nlohmann::json::parse(input_json);
      for (const auto& [name, value] : input.items()) {
        (*request.mutable_input()->mutable_fields())[name].set_number_value(value.get<double>());
      }
    }
    return replica.stub->StartWorkflow(Context().get(), request, out);
  }

  // Polls GetExecution on `replica` until `done` holds, for up to `timeout`.
  v1::Execution WaitFor(Replica& replica, const std::string& id,
                        const std::function<bool(const v1::Execution&)>& done,
                        absl::Duration timeout = absl::Seconds(30)) {
    absl::Time give_up = absl::Now() + timeout;
    v1::GetExecutionResponse response;
    while (absl::Now() < give_up) {
      v1::GetExecutionRequest request;
      request.set_execution_id(id);
      request.set_include_nodes(true);
      response.Clear();
      if (replica.stub->GetExecution(Context().get(), request, &response).ok() &&
          done(response.execution())) {
        return response.execution();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "execution " << id << " never got there; last seen "
                  << response.execution().DebugString();
    return response.execution();
  }

  // The fake's count of chat requests by `user`.
  std::map<std::string, int64_t> CallsByUser() {
    std::map<std::string, int64_t> calls;
    absl::StatusOr<nlohmann::json> stats = fake_->Stats();
    EXPECT_TRUE(stats.ok()) << stats.status();
    if (!stats.ok()) return calls;
    for (const auto& [user, count] : (*stats)["by_user"].items()) calls[user] = count.get<int64_t>();
    return calls;
  }

  PostgresBackend database_;
  std::unique_ptr<fake_openrouter::FakeProcess> fake_;
  std::filesystem::path dir_;
  std::vector<Replica> replicas_;
};

bool IsFinal(const v1::Execution& e) {
  return e.state() == v1::EXECUTION_STATE_SUCCEEDED || e.state() == v1::EXECUTION_STATE_FAILED ||
         e.state() == v1::EXECUTION_STATE_CANCELLED;
}

// The issue's replica test. Each replica runs at most 64 executions at once (more are queued in
// the database for either), under a 2 s lease renewed every 0.67 s, and looks for work every
// 200 ms besides NOTIFY. Replica A is killed with kill -9 once a third of the upstream calls are
// made; B takes A's executions over when their leases expire.
TEST_F(ReplicasTest, AThousandExecutionsOnTwoReplicasAllFinishAfterOneIsKilledAndNodesRunOnce) {
  constexpr int kExecutions = 1000;
  constexpr int kSenders = 8;
  const std::vector<std::string> flags = {"--store-lease", "2s", "--store-poll-interval", "200ms",
                                          "--max-executions-in-flight", "64"};
  size_t a = StartReplica(flags);
  size_t b = StartReplica(flags);
  ASSERT_FALSE(HasFailure());
  const absl::Time began = absl::Now();

  // Half the calls go to each replica; a call A cannot answer (it was killed) goes to B with the
  // same idempotency key, which returns the execution A created if A had committed it.
  std::vector<std::string> ids(kExecutions);
  std::vector<std::string> errors(kSenders);
  std::atomic<bool> a_dead{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < kSenders; ++t) {
    senders.emplace_back([&, t] {
      for (int i = t; i < kExecutions; i += kSenders) {
        const std::string key = absl::StrCat("pair-", i);
        v1::StartWorkflowResponse started;
        grpc::Status status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "not sent");
        for (int attempt = 0; attempt < 20 && !status.ok(); ++attempt) {
          bool to_a = i % 2 == 0 && attempt == 0 && !a_dead.load();
          status = Start(replicas_[to_a ? a : b], "pair", &started, key);
          if (!status.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (!status.ok()) {
          errors[t] = absl::StrCat(key, ": ", status.error_message());
          return;
        }
        ids[i] = started.execution_id();
      }
    });
  }

  // Midway: a third of the 2,000 calls made.
  absl::StatusOr<nlohmann::json> midway = fake_->WaitForStats(
      [](const nlohmann::json& stats) { return stats["chat_requests"].get<int64_t>() >= 660; },
      60000);
  ASSERT_TRUE(midway.ok()) << midway.status();
  a_dead = true;
  pid_t a_pid = replicas_[a].process->pid();
  ASSERT_EQ(kill(a_pid, SIGKILL), 0);
  replicas_[a].process->Stop().IgnoreError();  // reaps it
  const std::string url = database_.url();
  // What A left, read before its leases expire (nobody writes to its executions meanwhile):
  // the executions it was running, and every node recorded as finished.
  std::set<std::string> held_by_a;
  for (const auto& row : Query(url, absl::StrCat("SELECT id FROM executions WHERE status = "
                                                 "'running' AND owner LIKE '%-",
                                                 a_pid, "-%'"))) {
    held_by_a.insert(row[0]);
  }
  std::set<std::string> finished_at_kill;
  for (const auto& row : Query(url, "SELECT execution_id || '/' || name FROM execution_nodes "
                                    "WHERE state = 'succeeded'")) {
    finished_at_kill.insert(row[0]);
  }
  int64_t final_at_kill = Count(
      url, "SELECT count(*) FROM executions WHERE status IN ('succeeded', 'failed', 'cancelled')");
  const absl::Duration kill_after = absl::Now() - began;

  for (std::thread& sender : senders) sender.join();
  for (const std::string& error : errors) EXPECT_EQ(error, "");
  std::set<std::string> unique(ids.begin(), ids.end());
  unique.erase("");
  ASSERT_EQ(unique.size(), static_cast<size_t>(kExecutions));

  // Every execution finishes: B runs what was queued, and resumes what A held.
  absl::Time give_up = absl::Now() + absl::Seconds(120);
  int64_t final_count = 0;
  while (absl::Now() < give_up) {
    final_count = Count(url, "SELECT count(*) FROM executions WHERE status IN ('succeeded', "
                             "'failed', 'cancelled')");
    if (final_count == kExecutions) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(final_count, kExecutions);
  const absl::Duration all_done = absl::Now() - began;
  EXPECT_EQ(Count(url, "SELECT count(*) FROM executions WHERE status = 'succeeded'"), kExecutions);
  EXPECT_EQ(Count(url, "SELECT count(*) FROM execution_nodes WHERE state = 'succeeded'"),
            2 * kExecutions);

  // The kill came midway: A held executions, and some had finished while others had not.
  EXPECT_GT(held_by_a.size(), 0u);
  EXPECT_GT(final_at_kill, 0);
  EXPECT_LT(final_at_kill, kExecutions);

  // Each node's upstream call: once; or twice, only for the node in flight at the kill of an
  // execution A was running, which was not recorded as finished. A background execution starts a
  // node only once its predecessor's result is committed (docs/executions.md, "What is at least
  // once"), so no execution has both its nodes run again.
  std::map<std::string, int64_t> calls = CallsByUser();
  int twice = 0;
  int both_twice = 0;
  for (const std::string& id : unique) {
    int extra = 0;
    for (const char* node : {"first", "second"}) {
      std::string key = absl::StrCat(id, "/", node);
      int64_t count = calls.count(key) ? calls[key] : 0;
      EXPECT_GE(count, 1) << key;
      EXPECT_LE(count, 2) << key;
      if (count < 2) continue;
      ++extra;
      ++twice;
      EXPECT_TRUE(held_by_a.contains(id)) << key << " ran twice but A was not running it";
      EXPECT_FALSE(finished_at_kill.contains(key)) << key << " was recorded finished, yet ran again";
    }
    if (extra == 2) ++both_twice;
    EXPECT_LE(extra, 1) << id << ": both nodes ran again after the kill";
  }
  EXPECT_EQ(both_twice, 0);
  std::cout << "[ replicas ] A killed after " << kill_after << " holding " << held_by_a.size()
            << " executions (" << final_at_kill << " of " << kExecutions
            << " finished then); all finished after " << all_done << "; " << twice
            << " node calls made twice (both nodes of " << both_twice << " executions)\n";
}

// A StartWorkflow on a replica at its limit (here 1 execution in flight) is queued in the
// database, not refused, and the other replica, which has places, claims it (the NOTIFY wakes
// it) and runs it.
TEST_F(ReplicasTest, AStartWorkflowOnAFullReplicaIsQueuedAndTheOtherReplicaRunsIt) {
  size_t a = StartReplica({"--max-executions-in-flight", "1", "--store-poll-interval", "1h"});
  size_t b = StartReplica({"--max-executions-in-flight", "4", "--store-poll-interval", "1h"});
  ASSERT_FALSE(HasFailure());
  v1::StartWorkflowResponse first;
  ASSERT_TRUE(Start(replicas_[a], "hold", &first, "", R"({"ms": 3000})").ok());
  EXPECT_EQ(first.state(), v1::EXECUTION_STATE_RUNNING);
  v1::StartWorkflowResponse second;
  grpc::Status status = Start(replicas_[a], "hold", &second, "", R"({"ms": 1000})");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(second.state(), v1::EXECUTION_STATE_QUEUED);

  // B claims it while A is still busy with the first: B is its owner.
  WaitFor(replicas_[b], second.execution_id(),
          [](const v1::Execution& e) { return e.state() == v1::EXECUTION_STATE_RUNNING; });
  Rows owner = Query(database_.url(), absl::StrCat("SELECT owner FROM executions WHERE id = '",
                                                   second.execution_id(), "'"));
  ASSERT_EQ(owner.size(), 1u);
  EXPECT_THAT(owner[0][0], HasSubstr(absl::StrCat("-", replicas_[b].process->pid(), "-")));
  v1::Execution done = WaitFor(replicas_[b], second.execution_id(), IsFinal);
  EXPECT_EQ(done.state(), v1::EXECUTION_STATE_SUCCEEDED);
  EXPECT_EQ(CallsByUser()[second.execution_id() + "/call"], 1);
  v1::Execution first_done = WaitFor(replicas_[a], first.execution_id(), IsFinal);
  EXPECT_EQ(first_done.state(), v1::EXECUTION_STATE_SUCCEEDED);

  // With both replicas full, the queued one waits; the first place freed (on either) takes it.
  v1::StartWorkflowResponse busy_a, busy_b, waiting;
  ASSERT_TRUE(Start(replicas_[a], "hold", &busy_a, "", R"({"ms": 1500})").ok());
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(Start(replicas_[b], "hold", &busy_b, "", R"({"ms": 1500})").ok());
    EXPECT_EQ(busy_b.state(), v1::EXECUTION_STATE_RUNNING);
  }
  ASSERT_TRUE(Start(replicas_[a], "hold", &waiting, "", R"({"ms": 100})").ok());
  EXPECT_EQ(waiting.state(), v1::EXECUTION_STATE_QUEUED);
  v1::Execution ran = WaitFor(replicas_[a], waiting.execution_id(), IsFinal);
  EXPECT_EQ(ran.state(), v1::EXECUTION_STATE_SUCCEEDED);
}

// A queued execution whose NOTIFY never came (written straight into the database here) is found
// by a replica's poll, store.poll_interval.
TEST_F(ReplicasTest, AQueuedExecutionNobodyWasNotifiedOfIsFoundByThePoll) {
  size_t a = StartReplica({"--store-poll-interval", "300ms"});
  ASSERT_FALSE(HasFailure());
  const std::string id = "ex-queued-by-sql";
  Query(database_.url(),
        absl::StrCat("INSERT INTO executions (id, workflow, workflow_hash, status, created_at, "
                     "save_policy, restart_policy, input_json) VALUES ('",
                     id, "', 'hold', '', 'queued', ", absl::ToUnixMicros(absl::Now()),
                     ", 'all', 'resume', '{\"ms\": 10}')"));
  v1::Execution done = WaitFor(replicas_[a], id, IsFinal);
  EXPECT_EQ(done.state(), v1::EXECUTION_STATE_SUCCEEDED);
  EXPECT_EQ(CallsByUser()[id + "/call"], 1);
}

// CancelExecution sent to replica B for an execution running on replica A: B flags it in the
// database and NOTIFYs; A cancels it at once. (Its lease renewal, the fallback, would see the flag
// only after 20 s here: a third of the 60 s lease.)
TEST_F(ReplicasTest, CancelExecutionSentToOneReplicaCancelsAnExecutionRunningOnTheOther) {
  size_t a = StartReplica({"--store-lease", "60s"});
  size_t b = StartReplica({"--store-lease", "60s"});
  ASSERT_FALSE(HasFailure());
  v1::StartWorkflowResponse started;
  ASSERT_TRUE(Start(replicas_[a], "hold", &started, "", R"({"ms": 60000})").ok());
  const std::string id = started.execution_id();
  WaitFor(replicas_[b], id, [](const v1::Execution& e) {
    return e.nodes_size() == 1 && e.nodes(0).status() == v1::NODE_STATUS_RUNNING;
  });

  v1::CancelExecutionRequest cancel;
  cancel.set_execution_id(id);
  v1::CancelExecutionResponse cancelled;
  grpc::Status status = replicas_[b].stub->CancelExecution(Context().get(), cancel, &cancelled);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(cancelled.state(), v1::EXECUTION_STATE_RUNNING);  // flagged; A stops it

  v1::Execution done = WaitFor(replicas_[b], id, IsFinal, absl::Seconds(15));
  EXPECT_EQ(done.state(), v1::EXECUTION_STATE_CANCELLED);
  EXPECT_THAT(done.error().message(), HasSubstr("CancelExecution"));
  ASSERT_EQ(done.nodes_size(), 1);
  EXPECT_EQ(done.nodes(0).status(), v1::NODE_STATUS_CANCELLED);
}

// A rolling redeploy: replica A gets SIGTERM while it runs a background execution that outlasts
// its grace period. A releases it in the database (and NOTIFYs); B, which never polls here and
// whose leases last 60 s, takes it over at once and runs it to its end.
TEST_F(ReplicasTest, ARollingRedeployHandsABackgroundExecutionToTheOtherReplicaAtOnce) {
  size_t a = StartReplica({"--shutdown-grace-period", "300ms", "--store-lease", "60s"});
  size_t b = StartReplica({"--store-lease", "60s", "--store-poll-interval", "1h"});
  ASSERT_FALSE(HasFailure());
  v1::StartWorkflowResponse started;
  ASSERT_TRUE(Start(replicas_[a], "hold", &started, "", R"({"ms": 3000})").ok());
  const std::string id = started.execution_id();
  WaitFor(replicas_[b], id, [](const v1::Execution& e) {
    return e.nodes_size() == 1 && e.nodes(0).status() == v1::NODE_STATUS_RUNNING;
  });

  replicas_[a].stub.reset();  // an idle connection would hold A's gRPC shutdown for 5 s
  absl::Time stopping = absl::Now();
  absl::Status stopped = replicas_[a].process->Stop(/*grace_ms=*/60000);  // SIGTERM
  EXPECT_TRUE(stopped.ok()) << stopped;
  // Released, its node's row says cancelled until B runs it again.
  WaitFor(replicas_[b], id, [](const v1::Execution& e) {
    return e.state() == v1::EXECUTION_STATE_RUNNING && e.nodes_size() == 1 &&
           e.nodes(0).status() == v1::NODE_STATUS_RUNNING && e.nodes(0).attempts() == 1;
  });
  Rows owner =
      Query(database_.url(), absl::StrCat("SELECT owner FROM executions WHERE id = '", id, "'"));
  ASSERT_EQ(owner.size(), 1u);
  EXPECT_THAT(owner[0][0], HasSubstr(absl::StrCat("-", replicas_[b].process->pid(), "-")));
  v1::Execution done = WaitFor(replicas_[b], id, IsFinal);
  EXPECT_EQ(done.state(), v1::EXECUTION_STATE_SUCCEEDED);
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(30)) << "B waited for the lease to run out";
  EXPECT_EQ(CallsByUser()[id + "/call"], 2);  // A's run, stopped, and B's
}

}  // namespace
}  // namespace flowhost::service
