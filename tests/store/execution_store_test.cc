// The execution store's behaviour, the same suite on both backends: real SQLite files and a real
// PostgreSQL 15 server (tests/store/postgres_server.h).
#include "server/store/execution_store.h"

#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/clocks.h"
#include "server/store/schema_migrations.h"
#include "tests/store/store_backends.h"

namespace flowhost::store::testing {
namespace {

using sdk::Json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// An event stamped by the store (`at` left unset).
EventRow Event(int64_t sequence, std::string kind = "x", std::string payload = "") {
  EventRow event;
  event.sequence = sequence;
  event.kind = std::move(kind);
  event.payload = std::move(payload);
  return event;
}

NewExecution Execution(std::string workflow, Json input = Json::object()) {
  NewExecution execution;
  execution.workflow = std::move(workflow);
  execution.workflow_hash = "h1";
  execution.input = std::move(input);
  return execution;
}

// Output ports as NodeUpdate holds them.
std::shared_ptr<const std::vector<sdk::Items>> Ports(std::vector<sdk::Items> ports) {
  return std::make_shared<const std::vector<sdk::Items>>(std::move(ports));
}

NodeRow Node(std::string name, std::string type, NodeState state) {
  NodeRow row;
  row.name = std::move(name);
  row.type = std::move(type);
  row.state = state;
  return row;
}

template <typename Backend>
class ExecutionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(backend_.Prepare().ok()); }

  StoreOptions Options() {
    StoreOptions options;
    options.clock = &clock_;
    options.prune_interval = absl::InfiniteDuration();  // the tests prune when they mean to
    options.poll_interval = absl::InfiniteDuration();
    return options;
  }

  ExecutionStorePtr OpenStore(StoreOptions options) {
    absl::StatusOr<ExecutionStorePtr> store = backend_.Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
  ExecutionStorePtr OpenStore() { return OpenStore(Options()); }

  static absl::StatusOr<CreatedExecution> Create(ExecutionStore& store, NewExecution execution) {
    return Await<CreatedExecution>(
        [&](auto done) { return store.CreateExecution(std::move(execution), std::move(done)); });
  }
  // A new execution held by `store`, returning its fence.
  static Fence StartRunning(ExecutionStore& store, std::string workflow = "summarise",
                            std::optional<SavePolicy> save = std::nullopt) {
    NewExecution e = Execution(std::move(workflow), Json{{"topic", "loopback"}});
    e.save_policy = save;
    e.claim_now = true;
    absl::StatusOr<CreatedExecution> created = Create(store, std::move(e));
    EXPECT_TRUE(created.ok()) << created.status();
    EXPECT_TRUE(created.ok() && created->fence.has_value());
    return created.ok() && created->fence ? *created->fence : Fence{};
  }
  static std::string Queue(ExecutionStore& store, std::string workflow = "summarise") {
    absl::StatusOr<CreatedExecution> created = Create(store, Execution(std::move(workflow)));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->id : "";
  }
  static absl::Status Finish(ExecutionStore& store, const Fence& fence,
                             ExecutionStatus status = ExecutionStatus::kSucceeded) {
    ExecutionOutcome outcome;
    outcome.status = status;
    if (status == ExecutionStatus::kFailed) outcome.error = absl::UnavailableError("upstream down");
    return AwaitDone([&](auto done) {
      return store.FinishExecution(fence, std::move(outcome), std::move(done));
    });
  }
  static absl::StatusOr<ExecutionDetail> Get(ExecutionStore& store, const std::string& id,
                                             GetOptions options = {}) {
    return Await<ExecutionDetail>(
        [&](auto done) { return store.GetExecution(id, options, std::move(done)); });
  }
  static absl::StatusOr<std::vector<Claim>> ClaimAll(ExecutionStore& store, int max = 100) {
    return Await<std::vector<Claim>>(
        [&](auto done) { return store.ClaimExecutions(max, std::move(done)); });
  }

  Backend backend_;
  common::ManualClock clock_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
TYPED_TEST_SUITE(ExecutionStoreTest, Backends, BackendNames);

TYPED_TEST(ExecutionStoreTest, RecordsAnExecutionWithItsNodesAndReadsItBack) {
  ExecutionStorePtr store = this->OpenStore();
  Fence fence = this->StartRunning(*store);
  NodeUpdate started;
  started.row = Node("ask", "openrouter.chat", NodeState::kRunning);
  started.row.attempts = 1;
  started.row.started_at = this->clock_.Now();
  started.row.items_in = 1;
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->RecordNode(fence, std::move(started), std::move(done));
              }).ok());
  this->clock_.Advance(absl::Seconds(2));
  NodeUpdate finished;
  finished.row = Node("ask", "openrouter.chat", NodeState::kSucceeded);
  finished.row.attempts = 2;
  finished.row.started_at = this->clock_.Now() - absl::Seconds(2);
  finished.row.finished_at = this->clock_.Now();
  finished.row.items_in = 1;
  finished.row.items_out = 1;
  finished.row.totals = {23, 20, 0.5};
  finished.output = Ports({{Json{{"answer", "42"}}}});
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->RecordNode(fence, std::move(finished), std::move(done));
              }).ok());
  ExecutionOutcome outcome;
  outcome.status = ExecutionStatus::kFailed;
  outcome.error = absl::ResourceExhaustedError("rate limited by openrouter");
  outcome.failed_node = "ask";
  outcome.totals = {23, 20, 0.5};
  outcome.output = {Json{{"answer", "42"}}};
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->FinishExecution(fence, std::move(outcome), std::move(done));
              }).ok());

  absl::StatusOr<ExecutionDetail> detail =
      this->Get(*store, fence.execution_id, GetOptions{.with_nodes = true, .with_items = true});
  ASSERT_TRUE(detail.ok()) << detail.status();
  const ExecutionRow& e = detail->execution;
  EXPECT_EQ(e.workflow, "summarise");
  EXPECT_EQ(e.workflow_hash, "h1");
  EXPECT_EQ(Json::parse(e.input_json), (Json{{"topic", "loopback"}}));
  EXPECT_EQ(e.status, ExecutionStatus::kFailed);
  EXPECT_EQ(e.error, absl::ResourceExhaustedError("rate limited by openrouter"));
  EXPECT_EQ(e.failed_node, "ask");
  EXPECT_EQ(e.totals.prompt_tokens, 23);
  EXPECT_EQ(e.totals.completion_tokens, 20);
  EXPECT_DOUBLE_EQ(e.totals.cost_usd, 0.5);
  EXPECT_EQ(e.finished_at, this->clock_.Now());
  EXPECT_EQ(Json::parse(e.output_json), Json::parse(R"([{"answer":"42"}])"));
  EXPECT_TRUE(e.owner.empty());
  ASSERT_EQ(detail->nodes.size(), 1u);
  const NodeRow& n = detail->nodes[0];
  EXPECT_EQ(n.name, "ask");
  EXPECT_EQ(n.state, NodeState::kSucceeded);
  EXPECT_EQ(n.attempts, 2);
  EXPECT_EQ(n.finished_at - n.started_at, absl::Seconds(2));
  EXPECT_EQ(n.items_out, 1);
  EXPECT_EQ(n.totals.prompt_tokens, 23);
  EXPECT_EQ(Json::parse(n.output_json), Json::parse(R"([[{"answer":"42"}]])"));
  EXPECT_FALSE(n.output_truncated);

  absl::StatusOr<ExecutionDetail> without_items = this->Get(*store, fence.execution_id);
  ASSERT_TRUE(without_items.ok());
  EXPECT_TRUE(without_items->execution.output_json.empty());
  EXPECT_TRUE(without_items->nodes[0].output_json.empty());
}

// The writes a run queues at its end, together (a synchronous run's last node result, its event
// batch and its outcome): read back as if each had been written alone (SQLite keeps them in the
// execution's row, sqlite/folded_rows.h; sqlite_store_test checks that it does).
TYPED_TEST(ExecutionStoreTest, WritesQueuedTogetherWithTheFinishReadBackAsWrittenOneByOne) {
  ExecutionStorePtr store = this->OpenStore();
  Fence fence = this->StartRunning(*store);
  NodeUpdate first;
  first.row = Node("first", "core.set", NodeState::kSucceeded);
  first.row.attempts = 1;
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->RecordNode(fence, std::move(first), std::move(done));
              }).ok());
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->AppendEvent(fence, Event(1, "node_started", "one"), std::move(done));
              }).ok());
  // Queued without waiting: one batch on SQLite, usually.
  NodeUpdate running;
  running.row = Node("ask", "openrouter.chat", NodeState::kRunning);
  ASSERT_TRUE(store->RecordNode(fence, std::move(running)).ok());
  NodeUpdate again;  // the earlier node written again (a later write replaces the row)
  again.row = Node("first", "core.set", NodeState::kSucceeded);
  again.row.attempts = 3;
  ASSERT_TRUE(store->RecordNode(fence, std::move(again)).ok());
  NodeUpdate finished;
  finished.row = Node("ask", "openrouter.chat", NodeState::kSucceeded);
  finished.row.attempts = 1;
  finished.row.items_out = 1;
  finished.row.error = absl::OkStatus();
  finished.row.totals = {7, 5, 0.25};
  finished.output = Ports({{Json{{"answer", "42"}}}});
  ASSERT_TRUE(store->RecordNode(fence, std::move(finished)).ok());
  ASSERT_TRUE(store->AppendEvent(fence, Event(1, "node_started", "repeated")).ok());  // ignored
  ASSERT_TRUE(store->AppendEvent(fence, Event(3, "event_batch", std::string("b\0\xff", 3))).ok());
  ASSERT_TRUE(store->AppendEvent(fence, Event(2, "node_finished", "two")).ok());
  ExecutionOutcome outcome;
  outcome.output_from = {{"ask", 0}};
  outcome.totals = {7, 5, 0.25};
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->FinishExecution(fence, std::move(outcome), std::move(done));
              }).ok());

  absl::StatusOr<ExecutionDetail> detail =
      this->Get(*store, fence.execution_id, GetOptions{.with_nodes = true, .with_items = true});
  ASSERT_TRUE(detail.ok()) << detail.status();
  EXPECT_EQ(detail->execution.status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(Json::parse(detail->execution.output_json), Json::parse(R"([{"answer":"42"}])"));
  EXPECT_EQ(detail->last_event_sequence, 3);
  ASSERT_EQ(detail->nodes.size(), 2u);
  EXPECT_EQ(detail->nodes[0].name, "first");
  EXPECT_EQ(detail->nodes[0].attempts, 3);
  EXPECT_EQ(detail->nodes[1].name, "ask");
  EXPECT_EQ(detail->nodes[1].state, NodeState::kSucceeded);
  EXPECT_EQ(detail->nodes[1].totals.completion_tokens, 5);
  EXPECT_DOUBLE_EQ(detail->nodes[1].totals.cost_usd, 0.25);
  EXPECT_EQ(Json::parse(detail->nodes[1].output_json), Json::parse(R"([[{"answer":"42"}]])"));
  absl::StatusOr<ExecutionDetail> without_items = this->Get(*store, fence.execution_id);
  ASSERT_TRUE(without_items.ok());
  ASSERT_EQ(without_items->nodes.size(), 2u);
  EXPECT_TRUE(without_items->nodes[1].output_json.empty());

  auto read = [&](int64_t from, int max) {
    return Await<std::vector<EventRow>>([&](auto done) {
      return store->ReadEvents(fence.execution_id, from, max, std::move(done));
    });
  };
  absl::StatusOr<std::vector<EventRow>> events = read(1, 100);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].payload, "one");
  EXPECT_EQ((*events)[1].payload, "two");
  EXPECT_EQ((*events)[2].payload, std::string("b\0\xff", 3));
  EXPECT_EQ((*events)[2].kind, "event_batch");
  events = read(2, 1);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].sequence, 2);
}

TYPED_TEST(ExecutionStoreTest, ARetryKeepsTheIdOfTheExecutionItRetries) {
  ExecutionStorePtr store = this->OpenStore();
  NewExecution retry = Execution("summarise");
  retry.retry_of = "ex-original";
  absl::StatusOr<CreatedExecution> created = this->Create(*store, std::move(retry));
  ASSERT_TRUE(created.ok()) << created.status();
  absl::StatusOr<ExecutionDetail> detail = this->Get(*store, created->id);
  ASSERT_TRUE(detail.ok()) << detail.status();
  EXPECT_EQ(detail->execution.retry_of, "ex-original");
  std::string plain = this->Queue(*store);
  absl::StatusOr<ExecutionDetail> other = this->Get(*store, plain);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->execution.retry_of, "");
}

TYPED_TEST(ExecutionStoreTest, AnUnknownExecutionIsNotFound) {
  ExecutionStorePtr store = this->OpenStore();
  EXPECT_EQ(this->Get(*store, "nope").status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<EventRow>> events = Await<std::vector<EventRow>>(
      [&](auto done) { return store->ReadEvents("nope", 1, 10, std::move(done)); });
  EXPECT_EQ(events.status().code(), absl::StatusCode::kNotFound);
}

TYPED_TEST(ExecutionStoreTest, EventLogReplaysFromASequenceNumberAndIgnoresRepeats) {
  ExecutionStorePtr store = this->OpenStore();
  Fence fence = this->StartRunning(*store);
  for (int64_t seq = 1; seq <= 5; ++seq) {
    ASSERT_TRUE(
        store->AppendEvent(fence, Event(seq, "node_started", "p" + std::to_string(seq))).ok());
  }
  // A resumed node emits sequence 5 again: the first one stays.
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->AppendEvent(fence, Event(5, "node_started", "again"),
                                          std::move(done));
              }).ok());
  absl::StatusOr<std::vector<EventRow>> events = Await<std::vector<EventRow>>(
      [&](auto done) { return store->ReadEvents(fence.execution_id, 3, 100, std::move(done)); });
  ASSERT_TRUE(events.ok()) << events.status();
  std::vector<std::string> payloads;
  for (const EventRow& event : *events) payloads.push_back(event.payload);
  EXPECT_THAT(payloads, ElementsAre("p3", "p4", "p5"));
  EXPECT_EQ((*events)[0].sequence, 3);
  EXPECT_EQ((*events)[0].at, this->clock_.Now());
  absl::StatusOr<std::vector<EventRow>> page = Await<std::vector<EventRow>>(
      [&](auto done) { return store->ReadEvents(fence.execution_id, 2, 2, std::move(done)); });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ(page->back().sequence, 3);
  EXPECT_EQ(this->Get(*store, fence.execution_id)->last_event_sequence, 5);
}

TYPED_TEST(ExecutionStoreTest, EventPayloadsKeepArbitraryBytes) {
  ExecutionStorePtr store = this->OpenStore();
  Fence fence = this->StartRunning(*store);
  std::string bytes("\0\x01\xff\n'\\\"", 7);
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->AppendEvent(fence, Event(1, "token_delta", bytes), std::move(done));
              }).ok());
  absl::StatusOr<std::vector<EventRow>> events = Await<std::vector<EventRow>>(
      [&](auto done) { return store->ReadEvents(fence.execution_id, 1, 10, std::move(done)); });
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].payload, bytes);
}

TYPED_TEST(ExecutionStoreTest, EventsPastTheCapEndWithATruncationMarker) {
  StoreOptions options = this->Options();
  options.max_events_per_execution = 3;
  ExecutionStorePtr store = this->OpenStore(options);
  Fence fence = this->StartRunning(*store);
  std::vector<absl::Status> results;
  for (int64_t seq = 1; seq <= 4; ++seq) {
    results.push_back(AwaitDone([&](auto done) {
      return store->AppendEvent(fence, Event(seq, "token_delta", "x"), std::move(done));
    }));
  }
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].ok());
  EXPECT_EQ(results[2].code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(results[2].message(), HasSubstr("store.max_events_per_execution"));
  EXPECT_EQ(results[3].code(), absl::StatusCode::kResourceExhausted);
  absl::StatusOr<std::vector<EventRow>> events = Await<std::vector<EventRow>>(
      [&](auto done) { return store->ReadEvents(fence.execution_id, 1, 10, std::move(done)); });
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ(events->back().kind, "events_truncated");
}

TYPED_TEST(ExecutionStoreTest, TheSameIdempotencyKeyReturnsTheSameExecution) {
  ExecutionStorePtr store = this->OpenStore();
  NewExecution e = Execution("summarise", Json{{"a", 1}});
  e.idempotency_key = "order-17";
  absl::StatusOr<CreatedExecution> first = this->Create(*store, e);
  absl::StatusOr<CreatedExecution> second = this->Create(*store, e);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(first->created);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(second->status, ExecutionStatus::kQueued);

  NewExecution other = e;
  other.input = Json{{"a", 2}};
  absl::StatusOr<CreatedExecution> conflict = this->Create(*store, other);
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(conflict.status().message(), HasSubstr("order-17"));

  // Without a key, every start is a new execution.
  e.idempotency_key.clear();
  EXPECT_NE(this->Create(*store, e)->id, this->Create(*store, e)->id);
}

TYPED_TEST(ExecutionStoreTest, AnInputOverTheCapIsRefusedWithInvalidArgument) {
  StoreOptions options = this->Options();
  options.max_input_bytes = 1024;
  ExecutionStorePtr store = this->OpenStore(options);
  NewExecution e = Execution("summarise", Json{{"text", std::string(2000, 'x')}});
  absl::StatusOr<CreatedExecution> created = this->Create(*store, e);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(created.status().message(), HasSubstr("store.max_input_bytes"));
  absl::StatusOr<ExecutionPage> page = Await<ExecutionPage>(
      [&](auto done) { return store->ListExecutions(ListQuery{}, std::move(done)); });
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->executions.empty());
}

TYPED_TEST(ExecutionStoreTest, OutputPastTheExecutionsCapIsTruncatedWithAMarker) {
  StoreOptions options = this->Options();
  options.max_output_bytes = 100;
  ExecutionStorePtr store = this->OpenStore(options);
  Fence fence = this->StartRunning(*store);
  Json item = Json{{"text", std::string(30, 'a')}};  // 41 bytes as JSON
  NodeUpdate first;
  first.row = Node("a", "set", NodeState::kSucceeded);
  first.row.items_out = 1;
  first.output = Ports({{item}});
  NodeUpdate second;
  second.row = Node("b", "set", NodeState::kSucceeded);
  second.row.items_out = 3;
  second.output = Ports({{item, item, item}});
  ASSERT_TRUE(store->RecordNode(fence, std::move(first)).ok());
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->RecordNode(fence, std::move(second), std::move(done));
              }).ok());
  absl::StatusOr<ExecutionDetail> detail =
      this->Get(*store, fence.execution_id, GetOptions{.with_nodes = true, .with_items = true});
  ASSERT_TRUE(detail.ok()) << detail.status();
  ASSERT_EQ(detail->nodes.size(), 2u);
  EXPECT_FALSE(detail->nodes[0].output_truncated);
  EXPECT_EQ(Json::parse(detail->nodes[0].output_json)[0].size(), 1u);
  EXPECT_TRUE(detail->nodes[1].output_truncated);
  EXPECT_EQ(detail->nodes[1].items_out, 3);                            // the real count stays
  EXPECT_EQ(Json::parse(detail->nodes[1].output_json)[0].size(), 1u);  // one more fit
  EXPECT_TRUE(detail->execution.output_truncated);
  EXPECT_LE(detail->execution.stored_output_bytes, 100);
}

// A final output kept as a reference (ExecutionOutcome::output_from) is read back from the
// nodes' rows, in the order named, with their truncation; nothing is read without items.
TYPED_TEST(ExecutionStoreTest, AnOutputKeptAsAReferenceIsReadBackFromItsNodesRows) {
  StoreOptions options = this->Options();
  options.max_output_bytes = 100;
  ExecutionStorePtr store = this->OpenStore(options);
  Fence fence = this->StartRunning(*store);
  Json small = Json{{"n", 1}};
  Json big = Json{{"text", std::string(30, 'a')}};  // 41 bytes as JSON
  NodeUpdate a;
  a.row = Node("a", "set", NodeState::kSucceeded);
  a.output = Ports({{small}, {Json{{"n", 2}}}});
  NodeUpdate b;
  b.row = Node("b", "set", NodeState::kSucceeded);
  b.output = Ports({{big, big, big}});  // two fit in what a left of the cap
  ASSERT_TRUE(store->RecordNode(fence, std::move(a)).ok());
  ASSERT_TRUE(store->RecordNode(fence, std::move(b)).ok());
  ExecutionOutcome outcome;
  outcome.output_from = {{"a", 1}, {"b", 0}, {"never-ran", 0}, {"a", 5}};
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->FinishExecution(fence, std::move(outcome), std::move(done));
              }).ok());

  for (bool with_nodes : {true, false}) {
    absl::StatusOr<ExecutionDetail> detail = this->Get(
        *store, fence.execution_id, GetOptions{.with_nodes = with_nodes, .with_items = true});
    ASSERT_TRUE(detail.ok()) << detail.status();
    EXPECT_EQ(Json::parse(detail->execution.output_json),
              (Json::array({Json{{"n", 2}}, big, big})));
    EXPECT_TRUE(detail->execution.output_truncated);
    EXPECT_EQ(detail->nodes.size(), with_nodes ? 2u : 0u);
  }
  absl::StatusOr<ExecutionDetail> without_items = this->Get(*store, fence.execution_id);
  ASSERT_TRUE(without_items.ok());
  EXPECT_TRUE(without_items->execution.output_json.empty());
}

TYPED_TEST(ExecutionStoreTest, SavePolicyFailedOnlyDropsSucceededExecutionsAndKeepsFailedOnes) {
  ExecutionStorePtr store = this->OpenStore();
  Fence ok = this->StartRunning(*store, "w", SavePolicy::kFailedOnly);
  Fence failed = this->StartRunning(*store, "w", SavePolicy::kFailedOnly);
  ASSERT_TRUE(this->Finish(*store, ok).ok());
  ASSERT_TRUE(this->Finish(*store, failed, ExecutionStatus::kFailed).ok());
  EXPECT_EQ(this->Get(*store, ok.execution_id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(this->Get(*store, failed.execution_id)->execution.status, ExecutionStatus::kFailed);
}

TYPED_TEST(ExecutionStoreTest, SavePolicyNoneKeepsARunningExecutionAndNothingOnceFinished) {
  StoreOptions options = this->Options();
  options.default_save_policy = SavePolicy::kNone;
  ExecutionStorePtr store = this->OpenStore(options);
  Fence fence = this->StartRunning(*store);
  ASSERT_TRUE(store->AppendEvent(fence, Event(1, "node_started", "")).ok());
  absl::StatusOr<ExecutionDetail> running = this->Get(*store, fence.execution_id);
  ASSERT_TRUE(running.ok());  // recorded while it runs, so it can resume after a crash
  EXPECT_EQ(running->execution.save_policy, SavePolicy::kNone);
  ASSERT_TRUE(this->Finish(*store, fence, ExecutionStatus::kFailed).ok());
  EXPECT_EQ(this->Get(*store, fence.execution_id).status().code(), absl::StatusCode::kNotFound);
}

TYPED_TEST(ExecutionStoreTest, RetentionPrunesByAgeAndByCountAndNeverARunningExecution) {
  StoreOptions options = this->Options();
  options.retention_max_age = absl::Hours(24 * 14);
  options.retention_max_count = 2;
  ExecutionStorePtr store = this->OpenStore(options);
  Fence old_running = this->StartRunning(*store);
  std::string old_queued = this->Queue(*store);
  Fence old_finished = this->StartRunning(*store);
  ASSERT_TRUE(this->Finish(*store, old_finished).ok());
  this->clock_.Advance(absl::Hours(24 * 15));
  std::vector<Fence> recent;
  for (int i = 0; i < 3; ++i) {
    recent.push_back(this->StartRunning(*store));
    this->clock_.Advance(absl::Minutes(1));
    ASSERT_TRUE(this->Finish(*store, recent.back()).ok());
  }
  absl::StatusOr<PruneResult> pruned =
      Await<PruneResult>([&](auto done) { return store->Prune(std::move(done)); });
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(pruned->deleted_by_age, 1);
  EXPECT_EQ(pruned->deleted_by_count, 1);
  EXPECT_EQ(this->Get(*store, old_finished.execution_id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(this->Get(*store, recent[0].execution_id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(this->Get(*store, recent[1].execution_id).ok());
  EXPECT_TRUE(this->Get(*store, recent[2].execution_id).ok());
  EXPECT_TRUE(this->Get(*store, old_running.execution_id).ok());
  EXPECT_TRUE(this->Get(*store, old_queued).ok());
}

TYPED_TEST(ExecutionStoreTest, ListExecutionsFiltersAndPagesNewestFirst) {
  ExecutionStorePtr store = this->OpenStore();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(this->Queue(*store, i % 2 == 0 ? "even" : "odd"));
    this->clock_.Advance(absl::Seconds(1));
  }
  Fence finished = this->StartRunning(*store, "even");
  ASSERT_TRUE(this->Finish(*store, finished).ok());

  std::vector<std::string> seen;
  ListQuery query;
  query.workflow = "even";
  query.statuses = {ExecutionStatus::kQueued};
  query.page_size = 2;
  for (int page_count = 0; page_count < 5; ++page_count) {
    absl::StatusOr<ExecutionPage> page = Await<ExecutionPage>(
        [&](auto done) { return store->ListExecutions(query, std::move(done)); });
    ASSERT_TRUE(page.ok()) << page.status();
    for (const ExecutionRow& row : page->executions) {
      EXPECT_TRUE(row.input_json.empty());  // summaries leave the texts out
      seen.push_back(row.id);
    }
    if (page->next_page_token.empty()) break;
    query.page_token = page->next_page_token;
  }
  EXPECT_THAT(seen, ElementsAre(ids[4], ids[2], ids[0]));

  ListQuery window;
  window.created_after = this->clock_.Now() - absl::Seconds(4) - absl::Milliseconds(1);
  window.created_before = this->clock_.Now() - absl::Seconds(1);
  absl::StatusOr<ExecutionPage> page = Await<ExecutionPage>(
      [&](auto done) { return store->ListExecutions(window, std::move(done)); });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->executions.size(), 3u);
  EXPECT_EQ(page->executions[0].id, ids[3]);

  ListQuery bad;
  bad.page_token = "garbage";
  EXPECT_EQ(
      Await<ExecutionPage>([&](auto done) { return store->ListExecutions(bad, std::move(done)); })
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  ListQuery empty_page;
  empty_page.page_size = 0;
  EXPECT_EQ(store->ListExecutions(empty_page, nullptr).code(), absl::StatusCode::kInvalidArgument);
}

TYPED_TEST(ExecutionStoreTest, QueuedExecutionsAreClaimedOnceOldestFirstWithAFence) {
  ExecutionStorePtr store = this->OpenStore();
  std::string first = this->Queue(*store);
  this->clock_.Advance(absl::Seconds(1));
  std::string second = this->Queue(*store);
  absl::StatusOr<std::vector<Claim>> claims = this->ClaimAll(*store);
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_EQ(claims->size(), 2u);
  EXPECT_EQ((*claims)[0].fence.execution_id, first);
  EXPECT_EQ((*claims)[1].fence.execution_id, second);
  EXPECT_EQ((*claims)[0].previous_status, ExecutionStatus::kQueued);
  EXPECT_GT((*claims)[0].fence.token, 0);
  EXPECT_TRUE(this->ClaimAll(*store)->empty());  // held under a live lease
  absl::StatusOr<ExecutionDetail> detail = this->Get(*store, first);
  EXPECT_EQ(detail->execution.status, ExecutionStatus::kRunning);
  EXPECT_EQ(detail->execution.owner, store->owner());
  EXPECT_EQ(detail->execution.started_at, this->clock_.Now());
  ASSERT_TRUE(this->Finish(*store, (*claims)[0].fence).ok());
}

TYPED_TEST(ExecutionStoreTest, AnExpiredLeaseIsTakenOverAndTheStaleFenceIsRefused) {
  StoreOptions options = this->Options();
  options.lease = absl::Seconds(30);
  ExecutionStorePtr store = this->OpenStore(options);
  this->Queue(*store);
  absl::StatusOr<std::vector<Claim>> first = this->ClaimAll(*store);
  ASSERT_TRUE(first.ok() && first->size() == 1);
  Fence stale = (*first)[0].fence;
  ASSERT_TRUE(store->AppendEvent(stale, Event(1, "node_started", "")).ok());

  // Renewed, the lease holds; not renewed, it runs out.
  this->clock_.Advance(absl::Seconds(20));
  absl::StatusOr<RenewResult> renewed =
      Await<RenewResult>([&](auto done) { return store->RenewLeases({stale}, std::move(done)); });
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_TRUE(renewed->lost.empty());
  this->clock_.Advance(absl::Seconds(20));
  EXPECT_TRUE(this->ClaimAll(*store)->empty());
  this->clock_.Advance(absl::Seconds(11));

  absl::StatusOr<std::vector<Claim>> again = this->ClaimAll(*store);
  ASSERT_TRUE(again.ok() && again->size() == 1);
  EXPECT_EQ((*again)[0].previous_status, ExecutionStatus::kRunning);  // a takeover: resume
  EXPECT_EQ((*again)[0].last_event_sequence, 1);
  EXPECT_GT((*again)[0].fence.token, stale.token);
  absl::Status write = AwaitDone([&](auto done) {
    return store->FinishExecution(stale, ExecutionOutcome{}, std::move(done));
  });
  EXPECT_EQ(write.code(), absl::StatusCode::kAborted);
  absl::StatusOr<RenewResult> lost =
      Await<RenewResult>([&](auto done) { return store->RenewLeases({stale}, std::move(done)); });
  EXPECT_THAT(lost->lost, ElementsAre(stale.execution_id));
  EXPECT_TRUE(this->Finish(*store, (*again)[0].fence).ok());
}

TYPED_TEST(ExecutionStoreTest, AFenceThisStoreNeverIssuedIsRefused) {
  ExecutionStorePtr store = this->OpenStore();
  std::string id = this->Queue(*store);
  absl::Status write = AwaitDone([&](auto done) {
    return store->AppendEvent(Fence{id, 1}, Event(1, "x", ""), std::move(done));
  });
  EXPECT_EQ(write.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(write.message(), HasSubstr(id));
}

// Pruning takes an execution's event log (what WatchExecution replays) with it: nothing of it
// is left, not even for an execution created later under the same id.
TYPED_TEST(ExecutionStoreTest, RetentionPrunesAnExecutionsEventLogWithIt) {
  ExecutionStorePtr store = this->OpenStore();
  Fence fence = this->StartRunning(*store);
  for (int64_t sequence = 1; sequence <= 3; ++sequence) {
    ASSERT_TRUE(AwaitDone([&](auto done) {
                  return store->AppendEvent(fence, Event(sequence, "node_started"),
                                            std::move(done));
                }).ok());
  }
  ASSERT_TRUE(this->Finish(*store, fence).ok());
  this->clock_.Advance(absl::Hours(24 * 15));
  absl::StatusOr<PruneResult> pruned =
      Await<PruneResult>([&](auto done) { return store->Prune(std::move(done)); });
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(pruned->deleted_by_age, 1);
  auto read = [&] {
    return Await<std::vector<EventRow>>([&](auto done) {
      return store->ReadEvents(fence.execution_id, 1, 100, std::move(done));
    });
  };
  EXPECT_EQ(read().status().code(), absl::StatusCode::kNotFound);
  NewExecution again = Execution("summarise");
  again.id = fence.execution_id;
  ASSERT_TRUE(this->Create(*store, std::move(again)).ok());
  absl::StatusOr<std::vector<EventRow>> events = read();
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_TRUE(events->empty());
}

// An execution claimed while queued and given back (no place free after all) is queued again,
// unowned, and the next claim starts it as new.
TYPED_TEST(ExecutionStoreTest, ARequeuedExecutionIsQueuedAgainAndClaimedAsNew) {
  ExecutionStorePtr store = this->OpenStore();
  std::string id = this->Queue(*store);
  absl::StatusOr<std::vector<Claim>> claims = this->ClaimAll(*store);
  ASSERT_TRUE(claims.ok() && claims->size() == 1);
  Fence first = (*claims)[0].fence;
  ASSERT_TRUE(
      AwaitDone([&](auto done) { return store->RequeueExecution(first, std::move(done)); }).ok());
  absl::StatusOr<ExecutionDetail> detail = this->Get(*store, id);
  EXPECT_EQ(detail->execution.status, ExecutionStatus::kQueued);
  EXPECT_EQ(detail->execution.owner, "");
  EXPECT_EQ(detail->execution.started_at, absl::InfinitePast());  // it never started
  claims = this->ClaimAll(*store);
  ASSERT_TRUE(claims.ok() && claims->size() == 1);
  EXPECT_EQ((*claims)[0].previous_status, ExecutionStatus::kQueued);
  EXPECT_GT((*claims)[0].fence.token, first.token);
  EXPECT_EQ(this->Finish(*store, first).code(), absl::StatusCode::kAborted);  // spent
  ASSERT_TRUE(this->Finish(*store, (*claims)[0].fence).ok());
}

TYPED_TEST(ExecutionStoreTest, AReleasedExecutionIsResumedByTheNextClaim) {
  ExecutionStorePtr store = this->OpenStore();
  Fence fence = this->StartRunning(*store);
  NodeUpdate done_node;
  done_node.row = Node("first", "set", NodeState::kSucceeded);
  done_node.output = Ports({{Json{{"x", 1}}}});
  ASSERT_TRUE(store->RecordNode(fence, std::move(done_node)).ok());
  ASSERT_TRUE(
      AwaitDone([&](auto done) { return store->ReleaseExecution(fence, std::move(done)); }).ok());
  absl::StatusOr<std::vector<Claim>> claims = this->ClaimAll(*store);
  ASSERT_TRUE(claims.ok() && claims->size() == 1);
  EXPECT_EQ((*claims)[0].previous_status, ExecutionStatus::kRunning);
  absl::StatusOr<ExecutionDetail> detail =
      this->Get(*store, fence.execution_id, GetOptions{.with_nodes = true, .with_items = true});
  ASSERT_EQ(detail->nodes.size(), 1u);
  EXPECT_EQ(Json::parse(detail->nodes[0].output_json), Json::parse(R"([[{"x":1}]])"));
}

TYPED_TEST(ExecutionStoreTest, AParkedExecutionIsClaimableOnceItsTimerIsDue) {
  ExecutionStorePtr store = this->OpenStore();
  Fence fence = this->StartRunning(*store);
  absl::Time due = this->clock_.Now() + absl::Hours(3);
  ASSERT_TRUE(store->SetTimer(fence, TimerRow{"wait_a_bit", due}).ok());
  ASSERT_TRUE(
      AwaitDone([&](auto done) { return store->ParkExecution(fence, due, std::move(done)); }).ok());
  absl::StatusOr<ExecutionDetail> parked = this->Get(*store, fence.execution_id);
  EXPECT_EQ(parked->execution.status, ExecutionStatus::kWaiting);
  EXPECT_EQ(parked->execution.wake_at, due);
  ASSERT_EQ(parked->timers.size(), 1u);
  EXPECT_EQ(parked->timers[0].node, "wait_a_bit");
  EXPECT_EQ(parked->timers[0].due_at, due);

  this->clock_.Advance(absl::Hours(2));
  EXPECT_TRUE(this->ClaimAll(*store)->empty());
  this->clock_.Advance(absl::Hours(1));
  absl::StatusOr<std::vector<Claim>> claims = this->ClaimAll(*store);
  ASSERT_TRUE(claims.ok() && claims->size() == 1);
  EXPECT_EQ((*claims)[0].previous_status, ExecutionStatus::kWaiting);
  Fence resumed = (*claims)[0].fence;
  ASSERT_TRUE(AwaitDone([&](auto done) {
                return store->ClearTimer(resumed, "wait_a_bit", std::move(done));
              }).ok());
  EXPECT_TRUE(this->Get(*store, fence.execution_id)->timers.empty());
  ASSERT_TRUE(this->Finish(*store, resumed).ok());
}

TYPED_TEST(ExecutionStoreTest, CancelEndsAQueuedExecutionAndFlagsARunningOneForItsOwner) {
  ExecutionStorePtr store = this->OpenStore();
  std::string queued = this->Queue(*store);
  Fence running = this->StartRunning(*store);
  auto cancel = [&](const std::string& id) {
    return Await<ExecutionStatus>(
        [&](auto done) { return store->RequestCancel(id, std::move(done)); });
  };
  EXPECT_EQ(*cancel(queued), ExecutionStatus::kCancelled);
  EXPECT_EQ(this->Get(*store, queued)->execution.error.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(*cancel(running.execution_id), ExecutionStatus::kRunning);
  absl::StatusOr<RenewResult> renewed =
      Await<RenewResult>([&](auto done) { return store->RenewLeases({running}, std::move(done)); });
  EXPECT_THAT(renewed->cancel_requested, ElementsAre(running.execution_id));
  EXPECT_EQ(cancel("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(this->ClaimAll(*store)->empty());  // a cancelled execution is not claimable
}

TYPED_TEST(ExecutionStoreTest, AFullQueueRefusesWithResourceExhaustedAndRecovers) {
  StoreOptions options = this->Options();
  options.max_queued_operations = 3;
  ExecutionStorePtr store = this->OpenStore(options);
  Fence fence = this->StartRunning(*store);
  // Hold the store thread inside a callback, so nothing is taken off the queue.
  absl::Notification inside;
  absl::Notification release;
  ASSERT_TRUE(store
                  ->GetExecution(fence.execution_id, GetOptions{},
                                 [&](absl::StatusOr<ExecutionDetail>) {
                                   inside.Notify();
                                   release.WaitForNotification();
                                 })
                  .ok());
  inside.WaitForNotification();
  ASSERT_TRUE(store->AppendEvent(fence, Event(1)).ok());
  ASSERT_TRUE(store->AppendEvent(fence, Event(2)).ok());
  absl::Notification third_done;
  ASSERT_TRUE(store->AppendEvent(fence, Event(3), [&](absl::Status) { third_done.Notify(); }).ok());
  absl::Status full = store->AppendEvent(fence, Event(4, "x", ""));
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("store.max_queued_operations"));
  EXPECT_EQ(store->Stats().refused_full, 1);
  release.Notify();
  third_done.WaitForNotification();
  EXPECT_TRUE(AwaitDone([&](auto done) {
                return store->AppendEvent(fence, Event(4, "x", ""), std::move(done));
              }).ok());
  EXPECT_EQ(this->Get(*store, fence.execution_id)->last_event_sequence, 4);
}

TYPED_TEST(ExecutionStoreTest, ACorruptedRowReadsAsDataLossNamingTheColumn) {
  ExecutionStorePtr store = this->OpenStore();
  Fence fence = this->StartRunning(*store);
  ASSERT_TRUE(this->Finish(*store, fence).ok());
  ASSERT_TRUE(this->backend_
                  .Execute("UPDATE executions SET status = 'exploded' WHERE id = '" +
                           fence.execution_id + "'")
                  .ok());
  absl::StatusOr<ExecutionDetail> detail = this->Get(*store, fence.execution_id);
  EXPECT_EQ(detail.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(detail.status().message(), HasSubstr("status"));
  EXPECT_THAT(detail.status().message(), HasSubstr(fence.execution_id));
  ASSERT_TRUE(this->backend_
                  .Execute("UPDATE executions SET status = 'failed', input_json = '{nope' WHERE "
                           "id = '" +
                           fence.execution_id + "'")
                  .ok());
  detail = this->Get(*store, fence.execution_id);
  EXPECT_EQ(detail.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(detail.status().message(), HasSubstr("input_json"));
}

TYPED_TEST(ExecutionStoreTest, MigratesAnEmptyDatabaseAndOneAtAnOlderVersion) {
  // A database at version 1 (no event log yet) holding an execution.
  ASSERT_TRUE(this->backend_.Migrate(1).ok());
  ASSERT_TRUE(this->backend_
                  .Execute("INSERT INTO executions (id, workflow, workflow_hash, status, "
                           "created_at, save_policy, restart_policy, input_json) VALUES "
                           "('old-1', 'w', 'h', 'queued', 1, 'all', 'resume', '{}')")
                  .ok());
  EXPECT_FALSE(this->backend_.Execute("SELECT count(*) FROM execution_events").ok());
  ExecutionStorePtr store = this->OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(this->backend_.Execute("SELECT count(*) FROM execution_events").ok());
  absl::StatusOr<std::vector<Claim>> claims = this->ClaimAll(*store);
  ASSERT_TRUE(claims.ok() && claims->size() == 1);
  EXPECT_EQ((*claims)[0].fence.execution_id, "old-1");
  EXPECT_TRUE(store->AppendEvent((*claims)[0].fence, Event(1, "x", "")).ok());
  store.reset();
  EXPECT_TRUE(this->backend_
                  .Execute("SELECT version FROM schema_version WHERE version = " +
                           std::to_string(LatestSchemaVersion()))
                  .ok());
  // Opening again finds nothing to do.
  EXPECT_NE(this->OpenStore(), nullptr);
}

TYPED_TEST(ExecutionStoreTest, AClaimAfterMigratingFromVersion5FinishesUnderTheRowsSavePolicy) {
  // Version 6 rebuilt the claimable index; an execution queued under version 5 is still claimed,
  // and its finish applies the save policy read at the claim (failed: a success is dropped).
  ASSERT_TRUE(this->backend_.Migrate(5).ok());
  ASSERT_TRUE(this->backend_
                  .Execute("INSERT INTO executions (id, workflow, workflow_hash, status, "
                           "created_at, save_policy, restart_policy, input_json) VALUES "
                           "('v5-ok', 'w', 'h', 'queued', 1, 'failed', 'resume', '{}'), "
                           "('v5-failed', 'w', 'h', 'queued', 2, 'failed', 'resume', '{}'), "
                           "('v5-done', 'w', 'h', 'succeeded', 0, 'all', 'resume', '{}')")
                  .ok());
  ExecutionStorePtr store = this->OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<Claim>> claims = this->ClaimAll(*store);
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_EQ(claims->size(), 2u);
  EXPECT_EQ((*claims)[0].fence.execution_id, "v5-ok");
  EXPECT_EQ((*claims)[1].fence.execution_id, "v5-failed");
  ASSERT_TRUE(this->Finish(*store, (*claims)[0].fence).ok());
  ASSERT_TRUE(this->Finish(*store, (*claims)[1].fence, ExecutionStatus::kFailed).ok());
  EXPECT_EQ(this->Get(*store, "v5-ok").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(this->Get(*store, "v5-failed")->execution.status, ExecutionStatus::kFailed);
  EXPECT_TRUE(this->ClaimAll(*store)->empty());
}

TYPED_TEST(ExecutionStoreTest, ASchemaNewerThanThisBuildIsRefused) {
  ASSERT_TRUE(this->backend_.Migrate(LatestSchemaVersion()).ok());
  ASSERT_TRUE(
      this->backend_.Execute("INSERT INTO schema_version (version, applied_at) VALUES (999, 0)")
          .ok());
  absl::StatusOr<ExecutionStorePtr> store = this->backend_.Open(this->Options());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("upgrade flowhost"));
}

TYPED_TEST(ExecutionStoreTest, WritesQueuedBeforeShutdownAreCommitted) {
  std::string id;
  {
    ExecutionStorePtr store = this->OpenStore();
    Fence fence = this->StartRunning(*store);
    id = fence.execution_id;
    for (int64_t seq = 1; seq <= 200; ++seq) {
      ASSERT_TRUE(store->AppendEvent(fence, Event(seq, "x", "")).ok());
    }
    store->Shutdown();
    EXPECT_EQ(store->AppendEvent(fence, Event(201, "x", "")).code(),
              absl::StatusCode::kFailedPrecondition);
  }
  ExecutionStorePtr reopened = this->OpenStore();
  EXPECT_EQ(this->Get(*reopened, id)->last_event_sequence, 200);
}

}  // namespace
}  // namespace flowhost::store::testing
