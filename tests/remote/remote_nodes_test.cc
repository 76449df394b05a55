// Remote nodes end to end: a real host (the executor on a thread pool, the worker listener on a
// loopback port 0, the hub) and real worker processes (remote_test_worker) dialing it. What a
// workflow author relies on: items in and out, streamed partial output, deadlines and cancels the
// worker sees, classified errors under the node's retry, a killed or frozen worker detected fast
// with its items retried elsewhere, load shared by credits, back-pressure, and clear refusals.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/json_text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/child_process.h"
#include "server/common/thread_pool_scheduler.h"
#include "server/executor/execution_record.h"
#include "server/remote/declared_types.h"
#include "server/remote/unix_socket.h"
#include "server/remote/worker_hub.h"
#include "server/remote/worker_listener.h"
#include "tests/nodes/testing/e2e_host.h"
#include "tests/remote/test_worker_types.h"

namespace flowhost::remote {
namespace {

using executor::ExecutionRecord;
using node_testing::E2eHost;
using sdk::Json;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

// Test timings: short, so that losing a worker or waiting for one costs a fraction of a second.
RemoteConfig TestRemoteConfig() {
  RemoteConfig config;
  config.listen = "127.0.0.1:0";
  config.heartbeat_interval = absl::Milliseconds(100);
  config.heartbeat_timeout = absl::Milliseconds(400);
  config.cancel_grace = absl::Milliseconds(500);
  config.worker_wait = absl::Milliseconds(300);
  for (const auto& type : remote_testing::kTestWorkerTypes) {
    DeclaredRemoteType declared;
    declared.info.type = std::string(type.name);
    declared.info.description = "a test worker's type";
    declared.info.parameter_schema = *sdk::ParseJsonText(type.schema_json);
    config.types.push_back(std::move(declared));
  }
  absl::StatusOr<DeclaredRemoteType> chunker = LoadDeclaredRemoteType(
      "textkit.chunk", PYTHON_EXAMPLES_DIR "/text_chunk.schema.json", "", {});
  EXPECT_TRUE(chunker.ok()) << chunker.status();
  if (chunker.ok()) config.types.push_back(*std::move(chunker));
  return config;
}

class RemoteNodes : public ::testing::Test {
 protected:
  void StartHost(RemoteConfig config = TestRemoteConfig()) {
    E2eHost::Options options;
    options.threads = 2;
    options.register_more_nodes = [this, config](registry::NodeTypeRegistry& registry,
                                                 sdk::Scheduler& scheduler, sdk::Logger& logger) {
      hub_ = WorkerHub::Create(config, scheduler, logger, [&registry](std::string_view type) {
        return DescribeTypeHolder(registry, type);
      });
      return RegisterRemoteNodeTypes(hub_, registry);
    };
    absl::StatusOr<std::unique_ptr<E2eHost>> host = E2eHost::Create(std::move(options));
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    absl::StatusOr<std::unique_ptr<WorkerListener>> listener = WorkerListener::Start(hub_);
    ASSERT_TRUE(listener.ok()) << listener.status();
    listener_ = *std::move(listener);
  }

  void TearDown() override {
    workers_.clear();  // SIGTERM, reaped
    if (listener_) listener_->Shutdown(absl::ZeroDuration());
    if (hub_) hub_->Stop();
    host_.reset();
  }

  // Starts a worker process with `flags` and returns its first line ("CONNECTED s1", "REFUSED ...").
  std::string StartWorker(std::vector<std::string> flags, common::ChildProcess** out = nullptr) {
    std::vector<std::string> argv = {REMOTE_TEST_WORKER, "--address", listener_->dial_address()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    absl::StatusOr<std::unique_ptr<common::ChildProcess>> child = common::ChildProcess::Spawn(argv);
    EXPECT_TRUE(child.ok()) << child.status();
    if (!child.ok()) return "";
    absl::StatusOr<std::string> line =
        (*child)->ReadLine(std::chrono::steady_clock::now() + std::chrono::seconds(20));
    EXPECT_TRUE(line.ok()) << line.status();
    if (out != nullptr) *out = child->get();
    workers_.push_back(*std::move(child));
    return line.ok() ? *line : "";
  }

  workflow::WorkflowPtr OneNode(const std::string& type, const std::string& settings = "") {
    absl::StatusOr<workflow::WorkflowPtr> workflow = host_->Load(absl::StrCat(R"(
name: one
inputs:
  n: {type: integer}
nodes:
  - name: it
    type: )", type, "\n", settings));
    EXPECT_TRUE(workflow.ok()) << workflow.status();
    return workflow.ok() ? *workflow : nullptr;
  }

  // Waits (bounded) until the hub's workers hold `count` items in flight together.
  bool WaitForInFlight(int64_t count) {
    for (int i = 0; i < 2000; ++i) {
      int64_t in_flight = 0;
      for (const WorkerSnapshot& worker : hub_->Workers()) in_flight += worker.in_flight;
      if (in_flight == count) return true;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return false;
  }

  std::shared_ptr<WorkerHub> hub_;
  std::unique_ptr<E2eHost> host_;
  std::unique_ptr<WorkerListener> listener_;
  std::vector<std::unique_ptr<common::ChildProcess>> workers_;
};

TEST_F(RemoteNodes, ARemoteNodeRunsOnAWorkerWithItsParametersEvaluatedPerItem) {
  StartHost();
  ASSERT_THAT(StartWorker({"--id", "w1"}), StartsWith("CONNECTED "));
  absl::StatusOr<ExecutionRecord> record = host_->Run(
      OneNode("test.echo", "    params: {tag: \"n={{ $json.n }}\"}\n"), Json{{"n", 7}});
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  ASSERT_THAT(record->output, SizeIs(1));
  EXPECT_EQ(record->output[0]["n"], 7);
  EXPECT_EQ(record->output[0]["worker"], "w1");
  EXPECT_EQ(record->output[0]["tag"], "n=7");
  // The execution's trace, continued with a span of the node's own.
  EXPECT_THAT(record->output[0]["traceparent"].get<std::string>(),
              StartsWith(absl::StrCat("00-", record->trace_id, "-")));
}

// A short directory for socket files (a socket path must fit in 108 bytes), removed after.
class SocketDir {
 public:
  SocketDir() {
    char pattern[] = "/tmp/fh-uds.XXXXXX";
    path_ = mkdtemp(pattern) != nullptr ? pattern : "";
  }
  ~SocketDir() {
    if (!path_.empty()) std::system(absl::StrCat("rm -rf '", path_, "'").c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_F(RemoteNodes, AWorkerDiallingAUnixSocketServesANode) {
  SocketDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string socket_path = dir.path() + "/workers.sock";
  RemoteConfig config = TestRemoteConfig();
  config.listen = "unix:" + socket_path;
  StartHost(config);
  EXPECT_EQ(listener_->dial_address(), config.listen);
  struct stat info {};
  ASSERT_EQ(stat(socket_path.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, kUnixSocketMode);
  ASSERT_THAT(StartWorker({"--id", "uds"}), StartsWith("CONNECTED "));
  absl::StatusOr<ExecutionRecord> record = host_->Run(
      OneNode("test.echo", "    params: {tag: \"n={{ $json.n }}\"}\n"), Json{{"n", 3}});
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  ASSERT_THAT(record->output, SizeIs(1));
  EXPECT_EQ(record->output[0]["worker"], "uds");
  EXPECT_EQ(record->output[0]["tag"], "n=3");
}

TEST_F(RemoteNodes, PartialOutputReachesAStreamingCallerAsTokenDeltas) {
  StartHost();
  ASSERT_THAT(StartWorker({}), StartsWith("CONNECTED "));
  auto tokens = std::make_shared<node_testing::TokenCollector>();
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(OneNode("test.echo"), Json{{"n", 1}}, tokens);
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_THAT(tokens->Deltas("it"), ::testing::ElementsAre("echo 0"));
}

TEST_F(RemoteNodes, ANodeTimeoutCancelsTheWorkersItemAndFailsAsTimeout) {
  StartHost();
  ASSERT_THAT(StartWorker({}), StartsWith("CONNECTED "));
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(OneNode("test.slow", "    timeout: 200ms\n"), Json{{"n", 1}});
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kDeadlineExceeded) << record->status;
  EXPECT_EQ(sdk::ErrorClassOf(record->status), "timeout");
}

TEST_F(RemoteNodes, AClientCancelIsObservedByTheWorker) {
  StartHost();
  ASSERT_THAT(StartWorker({}), StartsWith("CONNECTED "));
  auto running = host_->Start(OneNode("test.slow"), Json{{"n", 1}});
  ASSERT_TRUE(WaitForInFlight(1));
  running->handle->Cancel(absl::CancelledError("the caller went away"));
  absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*running);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kCancelled) << record->status;
  // The worker said so (a LogLine, logged by the host for the node) before it answered.
  bool observed = false;
  for (const Json& line : host_->logger().lines()) {
    observed = observed || line.value("message", "") == "cancel observed for it";
  }
  EXPECT_TRUE(observed);
  EXPECT_TRUE(WaitForInFlight(0));
}

TEST_F(RemoteNodes, AWorkerErrorIsClassifiedAndRetriedPerTheNodesSettings) {
  StartHost();
  ASSERT_THAT(StartWorker({}), StartsWith("CONNECTED "));
  absl::StatusOr<ExecutionRecord> record = host_->Run(
      OneNode("test.fail",
              "    params: {error_class: upstream, fail_attempts: 2}\n"
              "    retry: {attempts: 3, initial_backoff: 10ms}\n"),
      Json{{"n", 1}});
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_EQ(record->output[0]["attempt"], 3);

  // A class the executor does not retry fails at once, keeping the worker's class and Retry-After.
  record = host_->Run(OneNode("test.fail",
                              "    params: {error_class: invalid_input, retry_after_ms: 1500}\n"
                              "    retry: {attempts: 3, initial_backoff: 10ms}\n"),
                      Json{{"n", 1}});
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(sdk::ErrorClassOf(record->status), "invalid_input") << record->status;
  EXPECT_EQ(sdk::RetryAfterOf(record->status), absl::Milliseconds(1500));
  EXPECT_THAT(record->status.message(), HasSubstr("test.fail failed attempt 1"));
}

TEST_F(RemoteNodes, AKilledWorkersHundredItemsAreDetectedFastAndRetriedOnAnotherWorker) {
  StartHost();
  common::ChildProcess* doomed = nullptr;
  ASSERT_THAT(StartWorker({"--id", "doomed", "--hold", "--credits", "200"}, &doomed),
              StartsWith("CONNECTED "));
  workflow::WorkflowPtr workflow =
      OneNode("test.echo", "    retry: {attempts: 3, initial_backoff: 10ms}\n");
  std::vector<std::shared_ptr<E2eHost::Running>> runs;
  for (int i = 0; i < 100; ++i) runs.push_back(host_->Start(workflow, Json{{"n", i}}));
  ASSERT_TRUE(WaitForInFlight(100));
  ASSERT_THAT(StartWorker({"--id", "survivor"}), StartsWith("CONNECTED "));

  const absl::Time killed = absl::Now();
  ASSERT_EQ(::kill(doomed->pid(), SIGKILL), 0);
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*runs[i], absl::Seconds(10));
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->status.ok()) << i << ": " << record->status;
    EXPECT_EQ(record->output[0]["worker"], "survivor");
    EXPECT_EQ(record->output[0]["n"], i);
  }
  // Detected, retried and answered, all within 2 s of the kill.
  EXPECT_LT(absl::Now() - killed, absl::Seconds(2));
  bool logged = false;
  for (const Json& line : host_->logger().lines()) {
    logged = logged || absl::StrContains(line.value("message", ""), "lost remote worker 'doomed'");
  }
  EXPECT_TRUE(logged);
}

TEST_F(RemoteNodes, AFrozenWorkerIsLostByItsMissingHeartbeats) {
  StartHost();
  common::ChildProcess* frozen = nullptr;
  ASSERT_THAT(StartWorker({"--id", "frozen", "--hold"}, &frozen), StartsWith("CONNECTED "));
  auto running = host_->Start(OneNode("test.echo"), Json{{"n", 1}});
  ASSERT_TRUE(WaitForInFlight(1));
  const absl::Time stopped = absl::Now();
  ASSERT_EQ(::kill(frozen->pid(), SIGSTOP), 0);  // its socket stays open; only silence tells
  absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*running, absl::Seconds(10));
  ::kill(frozen->pid(), SIGCONT);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kUnavailable) << record->status;
  EXPECT_EQ(sdk::ErrorClassOf(record->status), "unavailable");
  EXPECT_THAT(record->status.message(),
              AllOf(HasSubstr("'frozen' was lost"), HasSubstr("remote.heartbeat_timeout")));
  EXPECT_LT(absl::Now() - stopped, absl::Seconds(2));
}

TEST_F(RemoteNodes, TwoWorkersShareTheLoadByTheirFreeCredits) {
  StartHost();
  ASSERT_THAT(StartWorker({"--id", "a", "--credits", "4"}), StartsWith("CONNECTED "));
  ASSERT_THAT(StartWorker({"--id", "b", "--credits", "4"}), StartsWith("CONNECTED "));
  workflow::WorkflowPtr workflow = OneNode("test.slow", "    params: {delay_ms: 30}\n");
  std::vector<std::shared_ptr<E2eHost::Running>> runs;
  for (int i = 0; i < 16; ++i) runs.push_back(host_->Start(workflow, Json{{"n", i}}));
  std::map<std::string, int> by_worker;
  for (auto& run : runs) {
    absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*run, absl::Seconds(20));
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->status.ok()) << record->status;
    ++by_worker[record->output[0]["worker"].get<std::string>()];
  }
  EXPECT_GE(by_worker["a"], 4);
  EXPECT_GE(by_worker["b"], 4);
}

// Many items at once, so that assignments and results queue behind each other's writes: the worker
// that takes batches gets them batched (and batches its results), the one that does not (an
// SDK of the first release of protocol version 1) gets and sends single messages; both serve.
TEST_F(RemoteNodes, ABatchingWorkerAndAnOldStyleOneServeSideBySide) {
  StartHost();
  ASSERT_THAT(StartWorker({"--id", "batching", "--credits", "64"}), StartsWith("CONNECTED "));
  ASSERT_THAT(StartWorker({"--id", "old-style", "--credits", "64", "--no-batch"}),
              StartsWith("CONNECTED "));
  workflow::WorkflowPtr workflow = OneNode("test.echo");
  std::vector<std::shared_ptr<E2eHost::Running>> runs;
  for (int i = 0; i < 300; ++i) runs.push_back(host_->Start(workflow, Json{{"n", i}}));
  std::map<std::string, int> by_worker;
  for (int i = 0; i < 300; ++i) {
    absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*runs[i], absl::Seconds(20));
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->status.ok()) << i << ": " << record->status;
    EXPECT_EQ(record->output[0]["n"], i);
    ++by_worker[record->output[0]["worker"].get<std::string>()];
  }
  EXPECT_GT(by_worker["batching"], 0);
  EXPECT_GT(by_worker["old-style"], 0);
  for (const WorkerSnapshot& worker : hub_->Workers()) {
    EXPECT_EQ(worker.credits_free, 64) << worker.worker_id;  // every credit came back
    EXPECT_EQ(worker.in_flight, 0) << worker.worker_id;
  }
}

TEST_F(RemoteNodes, WithCreditsExhaustedAFullQueueRefusesWithResourceExhausted) {
  RemoteConfig config = TestRemoteConfig();
  config.max_queued_per_type = 2;
  StartHost(config);
  ASSERT_THAT(StartWorker({"--credits", "1"}), StartsWith("CONNECTED "));
  workflow::WorkflowPtr workflow = OneNode("test.slow");
  std::vector<std::shared_ptr<E2eHost::Running>> held;
  held.push_back(host_->Start(workflow, Json{{"n", 0}}));
  ASSERT_TRUE(WaitForInFlight(1));  // the one credit is used; the next two wait
  held.push_back(host_->Start(workflow, Json{{"n", 1}}));
  held.push_back(host_->Start(workflow, Json{{"n", 2}}));
  for (int i = 0; i < 2000 && hub_->QueuedItems("test.slow") < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(hub_->QueuedItems("test.slow"), 2);
  absl::StatusOr<ExecutionRecord> refused = host_->Run(workflow, Json{{"n", 3}});
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status.code(), absl::StatusCode::kResourceExhausted) << refused->status;
  EXPECT_EQ(sdk::ErrorClassOf(refused->status), "queue_full");
  EXPECT_THAT(refused->status.message(),
              AllOf(HasSubstr("test.slow"), HasSubstr("remote.max_queued_per_type")));
  for (auto& run : held) run->handle->Cancel(absl::CancelledError("test over"));
  for (auto& run : held) {
    absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*run, absl::Seconds(10));
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_EQ(record->status.code(), absl::StatusCode::kCancelled) << record->status;
  }
}

TEST_F(RemoteNodes, ADeclaredTypeWithNoWorkerFailsUnavailableNamingTheType) {
  StartHost();
  absl::StatusOr<ExecutionRecord> record = host_->Run(OneNode("test.noop"), Json{{"n", 1}});
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kUnavailable) << record->status;
  EXPECT_THAT(record->status.message(),
              AllOf(HasSubstr("'test.noop'"), HasSubstr("remote.worker_wait")));
}

TEST_F(RemoteNodes, AWrongProtocolVersionIsRefusedSayingWhichVersionTheHostSpeaks) {
  StartHost();
  EXPECT_EQ(StartWorker({"--protocol-version", "7"}),
            "REFUSED REFUSED_REASON_PROTOCOL_VERSION worker protocol version 7 is not supported: "
            "this host speaks version 1 (flowhost.plugin.v1); use a worker SDK built for it");
}

TEST_F(RemoteNodes, AWrongTokenIsRefused) {
  RemoteConfig config = TestRemoteConfig();
  config.token = "the-right-token";
  StartHost(config);
  EXPECT_EQ(StartWorker({"--token", "a-wrong-token"}),
            "REFUSED REFUSED_REASON_TOKEN the worker's token does not match the host's "
            "(remote.token_env)");
  EXPECT_THAT(StartWorker({"--token", "the-right-token"}), StartsWith("CONNECTED "));
}

TEST_F(RemoteNodes, AMalformedSchemaIsRefusedNamingTheType) {
  StartHost();
  EXPECT_THAT(StartWorker({"--bad-schema"}),
              AllOf(StartsWith("REFUSED REFUSED_REASON_MALFORMED_SCHEMA node type 'test.noop' has "
                               "a malformed parameter schema: ")));
}

TEST_F(RemoteNodes, AWorkerCannotServeABuiltInTypeOrAnUndeclaredOne) {
  StartHost();
  EXPECT_EQ(StartWorker({"--offer", "noop"}),
            "REFUSED REFUSED_REASON_TYPE_CLASH node type 'noop' clashes with the built-in node "
            "type 'noop'; rename the worker's type");
  EXPECT_THAT(StartWorker({"--offer", "textkit.summarise"}),
              StartsWith("REFUSED REFUSED_REASON_UNDECLARED_TYPE node type 'textkit.summarise' is "
                         "not declared in the host's remote.types"));
}

TEST_F(RemoteNodes, ADrainLetsHeldItemsFinishFailsQueuedOnesAndThenClosesTheSessionCleanly) {
  StartHost();
  common::ChildProcess* worker = nullptr;
  ASSERT_THAT(StartWorker({"--id", "drained", "--credits", "1"}, &worker),
              StartsWith("CONNECTED "));
  workflow::WorkflowPtr slow = OneNode("test.slow", "    params: {delay_ms: 300}\n");
  auto held = host_->Start(slow, Json{{"n", 1}});
  ASSERT_TRUE(WaitForInFlight(1));
  auto queued = host_->Start(slow, Json{{"n", 2}});
  for (int i = 0; i < 2000 && hub_->QueuedItems("test.slow") < 1; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(hub_->QueuedItems("test.slow"), 1);

  hub_->Drain(absl::Seconds(5));
  const auto soon = [] { return std::chrono::steady_clock::now() + std::chrono::seconds(10); };
  EXPECT_EQ(worker->ReadLine(soon()).value_or("(none)"), "DRAIN 5000");
  // The queued item never reached a worker: it fails at once, retryably, saying why.
  absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*queued, absl::Seconds(5));
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kUnavailable) << record->status;
  EXPECT_EQ(sdk::ErrorClassOf(record->status), "unavailable");
  EXPECT_THAT(record->status.message(), HasSubstr("shutting down"));
  // New work is refused, not queued.
  record = host_->Run(OneNode("test.noop"), Json{{"n", 3}});
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->status.code(), absl::StatusCode::kUnavailable) << record->status;
  // The held item finishes on the worker, and its result counts.
  record = E2eHost::Wait(*held, absl::Seconds(5));
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  EXPECT_EQ(record->output[0]["worker"], "drained");
  // Then the host ends the session with OK, not UNAVAILABLE.
  EXPECT_EQ(worker->ReadLine(soon()).value_or("(none)"), "ENDED 0");
  EXPECT_TRUE(hub_->WaitUntilIdle(absl::Now()));
  EXPECT_THAT(hub_->Workers(), ::testing::IsEmpty());
  // A worker that dials in now is refused: the host is going away.
  EXPECT_THAT(StartWorker({"--id", "late"}), StartsWith("REFUSED REFUSED_REASON_DRAINING "));
}

// The Python SDK's example node (sdk/python/examples/text_chunker.py) on Debian's python3-grpcio.
TEST_F(RemoteNodes, ThePythonTextChunkerServesItsTypeAndStreamsProgress) {
  if (std::system("/usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null") != 0) {
    GTEST_SKIP() << "Debian's python3-grpcio / python3-protobuf are not installed";
  }
  StartHost();
  ::setenv("FLOWHOST_WORKER_STUBS", PYTHON_STUBS_DIR, 1);
  std::vector<std::string> argv = {"/usr/bin/python3", PYTHON_EXAMPLES_DIR "/text_chunker.py",
                                   "--address", absl::StrCat("127.0.0.1:", listener_->port()),
                                   "--id", "py1", "--once"};
  absl::StatusOr<std::unique_ptr<common::ChildProcess>> child = common::ChildProcess::Spawn(argv);
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<std::string> line =
      (*child)->ReadLine(std::chrono::steady_clock::now() + std::chrono::seconds(60));
  workers_.push_back(*std::move(child));
  ASSERT_TRUE(line.ok()) << line.status();
  ASSERT_THAT(*line, StartsWith("CONNECTED "));

  absl::StatusOr<workflow::WorkflowPtr> workflow = host_->Load(R"(
name: chunk
inputs:
  text: {type: string}
nodes:
  - name: chunk
    type: textkit.chunk
    params: {max_chars: 12, overlap: 4}
)");
  ASSERT_TRUE(workflow.ok()) << workflow.status();
  auto tokens = std::make_shared<node_testing::TokenCollector>();
  absl::StatusOr<ExecutionRecord> record = host_->Run(
      *workflow, Json{{"text", "the quick brown fox jumps over the lazy dog"}}, tokens);
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->status.ok()) << record->status;
  std::vector<std::string> texts;
  for (const Json& item : record->output) texts.push_back(item["text"].get<std::string>());
  EXPECT_THAT(texts, ::testing::ElementsAre("the quick", "quick brown", "brown fox", "fox jumps",
                                            "jumps over", "over the", "the lazy", "lazy dog"));
  EXPECT_EQ(record->output[0]["chunk_count"], 8);
  EXPECT_THAT(tokens->Deltas("chunk"), Contains("chunk 1/8\n"));

  // A bad parameter combination is the worker's classified error.
  absl::StatusOr<workflow::WorkflowPtr> bad = host_->Load(R"(
name: bad_chunk
inputs:
  text: {type: string}
nodes:
  - name: chunk
    type: textkit.chunk
    params: {max_chars: 4, overlap: 4}
)");
  ASSERT_TRUE(bad.ok()) << bad.status();
  record = host_->Run(*bad, Json{{"text", "some text"}});
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(sdk::ErrorClassOf(record->status), "invalid_input") << record->status;
  EXPECT_THAT(record->status.message(), HasSubstr("overlap (4) must be less than max_chars (4)"));
}

TEST(RemoteListener, ANonLoopbackAddressNeedsAToken) {
  common::ThreadPoolScheduler scheduler(1);
  node_testing::RecordingLogger logger;
  RemoteConfig config = TestRemoteConfig();
  config.listen = "0.0.0.0:0";
  std::shared_ptr<WorkerHub> hub = WorkerHub::Create(config, scheduler, logger);
  absl::StatusOr<std::unique_ptr<WorkerListener>> listener = WorkerListener::Start(hub);
  EXPECT_EQ(listener.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(listener.status().message(), HasSubstr("remote.token_env"));
  hub->Stop();

  // A Unix socket needs none: the file's mode decides who may connect.
  EXPECT_EQ(UnixSocketPath("unix:/run/w.sock"), "/run/w.sock");
  EXPECT_EQ(UnixSocketPath("unix:///run/w.sock"), "/run/w.sock");
  EXPECT_EQ(UnixSocketPath("127.0.0.1:5000"), std::nullopt);

  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:5000"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:5000"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:5000"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:5000"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:5000"));
  EXPECT_FALSE(IsLoopbackAddress("10.1.2.3:5000"));
}

TEST(RemoteListener, AUnixSocketInUseIsRefusedAndAStaleOneReplaced) {
  SocketDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string socket_path = dir.path() + "/workers.sock";
  common::ThreadPoolScheduler scheduler(1);
  node_testing::RecordingLogger logger;
  RemoteConfig config = TestRemoteConfig();
  config.listen = "unix:" + socket_path;
  auto start = [&] {
    return WorkerListener::Start(WorkerHub::Create(config, scheduler, logger));
  };
  absl::StatusOr<std::unique_ptr<WorkerListener>> first = start();
  ASSERT_TRUE(first.ok()) << first.status();
  // A live server's socket is not taken over.
  absl::StatusOr<std::unique_ptr<WorkerListener>> second = start();
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), AllOf(HasSubstr(socket_path), HasSubstr("in use")));
  first->reset();

  // A socket file nobody listens on (left by a host that died) is replaced.
  unlink(socket_path.c_str());
  const int stale = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  ASSERT_EQ(bind(stale, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  close(stale);
  absl::StatusOr<std::unique_ptr<WorkerListener>> third = start();
  ASSERT_TRUE(third.ok()) << third.status();
  third->reset();

  // Something that is not a socket is left alone.
  unlink(socket_path.c_str());
  std::ofstream(socket_path) << "keep me";
  absl::StatusOr<std::unique_ptr<WorkerListener>> fourth = start();
  EXPECT_EQ(fourth.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(fourth.status().message(), HasSubstr("is not a socket"));
  struct stat info {};
  EXPECT_EQ(stat(socket_path.c_str(), &info), 0);
  EXPECT_TRUE(S_ISREG(info.st_mode));

  config.listen = "unix:/" + std::string(200, 'x');
  absl::StatusOr<std::unique_ptr<WorkerListener>> too_long = start();
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_long.status().message(), HasSubstr("shorter than"));
}

}  // namespace
}  // namespace flowhost::remote
