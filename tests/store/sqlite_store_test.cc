// What only the SQLite store does: one process per data directory (so route health is not shared),
// a bounded database file, WAL mode, a damaged file, and executions left running by a process
// that stopped.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/str_cat.h"
#include "server/common/clocks.h"
#include "server/store/sqlite/folded_rows.h"
#include "server/store/sqlite/sqlite_execution_store.h"
#include "tests/store/store_backends.h"

namespace flowhost::store::testing {
namespace {

using ::testing::HasSubstr;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(backend_.Prepare().ok()); }
  void TearDown() override { std::filesystem::remove_all(backend_.dir()); }

  StoreOptions Options() {
    StoreOptions options;
    options.clock = &clock_;
    options.prune_interval = absl::InfiniteDuration();
    options.poll_interval = absl::InfiniteDuration();
    return options;
  }

  static absl::StatusOr<CreatedExecution> StartRunning(ExecutionStore& store) {
    NewExecution execution;
    execution.workflow = "summarise";
    execution.claim_now = true;
    return Await<CreatedExecution>(
        [&](auto done) { return store.CreateExecution(std::move(execution), std::move(done)); });
  }

  SqliteBackend backend_;
  common::ManualClock clock_;
};

TEST_F(SqliteStoreTest, ASecondStoreOnTheSameDataDirectoryIsRefused) {
  absl::StatusOr<ExecutionStorePtr> first = backend_.Open(Options());
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<ExecutionStorePtr> second = backend_.Open(Options());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("in use by another flowhost process"));
  EXPECT_THAT(second.status().message(), HasSubstr("postgres"));
  first->reset();
  EXPECT_TRUE(backend_.Open(Options()).ok());  // the lock goes with the store
}

TEST_F(SqliteStoreTest, OneProcessPerFileMeansRouteHealthIsNotShared) {
  absl::StatusOr<ExecutionStorePtr> store = backend_.Open(Options());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->shared_route_health(), nullptr);
}

TEST_F(SqliteStoreTest, TheDatabaseIsAFileInWalModeUnderTheDataDirectory) {
  absl::StatusOr<ExecutionStorePtr> store = backend_.Open(Options());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(StartRunning(**store).ok());
  EXPECT_TRUE(std::filesystem::exists(SqliteDatabasePath(backend_.dir())));
  EXPECT_TRUE(std::filesystem::exists(SqliteDatabasePath(backend_.dir()) + "-wal"));
}

TEST_F(SqliteStoreTest, ADatabaseAtItsSizeBoundRefusesWritesWithResourceExhausted) {
  absl::StatusOr<ExecutionStorePtr> store =
      OpenSqliteStore(SqliteStoreOptions{backend_.dir(), 128 * 1024}, Options());
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<CreatedExecution> created = StartRunning(**store);
  ASSERT_TRUE(created.ok());
  absl::Status status;
  for (int64_t seq = 1; seq <= 100 && status.ok(); ++seq) {
    EventRow event;
    event.sequence = seq;
    event.kind = "token_delta";
    event.payload = std::string(8 * 1024, 'x');
    status = AwaitDone(
        [&](auto done) { return (*store)->AppendEvent(*created->fence, event, std::move(done)); });
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("store.max_database_bytes"));
  // What was committed before is still there to read.
  absl::StatusOr<ExecutionDetail> detail = Await<ExecutionDetail>([&](auto done) {
    return (*store)->GetExecution(created->id, GetOptions{}, std::move(done));
  });
  ASSERT_TRUE(detail.ok()) << detail.status();
  EXPECT_GT(detail->last_event_sequence, 1);
}

TEST_F(SqliteStoreTest, AFileThatIsNotADatabaseIsDataLoss) {
  std::filesystem::create_directories(backend_.dir());
  std::ofstream(SqliteDatabasePath(backend_.dir())) << std::string(8192, '\x17');
  absl::StatusOr<ExecutionStorePtr> store = backend_.Open(Options());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(store.status().message(), HasSubstr("flowhost.db"));
}

TEST(FoldedRowsTest, NodesAndEventsRoundTripAndADamagedBlobIsDataLoss) {
  NodeRow node;
  node.name = "ask";
  node.type = "openrouter.chat";
  node.state = NodeState::kFailed;
  node.attempts = 3;
  node.started_at = absl::FromUnixMicros(1765000000123456);
  node.items_in = 1;
  node.items_out = INT64_MAX;
  node.error = absl::UnavailableError("upstream down");
  node.totals = {-1, 20, 0.125};
  node.output_json = R"([[{"answer":"42"}]])";
  node.output_truncated = true;
  NodeRow never;  // not started: times "not yet"
  never.name = "later";
  std::vector<NodeRow> nodes = {node, never};
  std::vector<EventRow> events = {{1, absl::FromUnixMicros(5), "node_started", std::string("\0\xff", 2)},
                                  {INT64_MAX, absl::InfinitePast(), "", ""}};
  std::string blob = EncodeFoldedRows(nodes, events);
  absl::StatusOr<FoldedRows> rows = DecodeFoldedRows(blob, "ex-1");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->nodes.size(), 2u);
  const NodeRow& n = rows->nodes[0];
  EXPECT_EQ(n.name, "ask");
  EXPECT_EQ(n.type, "openrouter.chat");
  EXPECT_EQ(n.state, NodeState::kFailed);
  EXPECT_EQ(n.attempts, 3);
  EXPECT_EQ(n.started_at, node.started_at);
  EXPECT_EQ(n.finished_at, absl::InfinitePast());
  EXPECT_EQ(n.items_out, INT64_MAX);
  EXPECT_EQ(n.error, node.error);
  EXPECT_EQ(n.totals.prompt_tokens, -1);
  EXPECT_DOUBLE_EQ(n.totals.cost_usd, 0.125);
  EXPECT_EQ(n.output_json, node.output_json);
  EXPECT_TRUE(n.output_truncated);
  EXPECT_EQ(rows->nodes[1].started_at, absl::InfinitePast());
  ASSERT_EQ(rows->events.size(), 2u);
  EXPECT_EQ(rows->events[0].payload, std::string("\0\xff", 2));
  EXPECT_EQ(rows->events[0].at, absl::FromUnixMicros(5));
  EXPECT_EQ(rows->events[1].sequence, INT64_MAX);
  EXPECT_TRUE(DecodeFoldedRows("", "ex-1").ok());
  // Cut anywhere, or with a byte too many, it does not decode.
  for (size_t size : {size_t{2}, size_t{4}, blob.size() / 2, blob.size() - 1}) {
    absl::StatusOr<FoldedRows> cut = DecodeFoldedRows(blob.substr(0, size), "ex-1");
    EXPECT_EQ(cut.status().code(), absl::StatusCode::kDataLoss) << size;
    EXPECT_THAT(cut.status().message(), HasSubstr("ex-1"));
  }
  EXPECT_EQ(DecodeFoldedRows(blob + "x", "ex-1").status().code(), absl::StatusCode::kDataLoss);
}

// The first column of the first row `sql` returns, as an integer (-1: no row).
int64_t QueryInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

TEST_F(SqliteStoreTest, TheLastRowsOfAnExecutionGoIntoItsOwnRowAtItsFinish) {
  std::string id;
  {
    // A long commit interval, so that the writes queued below share the finish's transaction.
    absl::StatusOr<ExecutionStorePtr> store = OpenSqliteStore(
        SqliteStoreOptions{.data_dir = backend_.dir(), .commit_interval = absl::Milliseconds(300)},
        Options());
    ASSERT_TRUE(store.ok()) << store.status();
    absl::StatusOr<CreatedExecution> created = StartRunning(**store);
    ASSERT_TRUE(created.ok() && created->fence.has_value());
    id = created->id;
    const Fence fence = *created->fence;
    NodeUpdate node;
    node.row.name = "ask";
    node.row.state = NodeState::kSucceeded;
    node.output = std::make_shared<const std::vector<sdk::Items>>(
        std::vector<sdk::Items>{{sdk::Json{{"answer", "42"}}}});
    ASSERT_TRUE((*store)->RecordNode(fence, std::move(node)).ok());
    ASSERT_TRUE((*store)->AppendEvent(fence, EventRow{1, clock_.Now(), "event_batch", "b"}).ok());
    ExecutionOutcome outcome;
    outcome.output_from = {{"ask", 0}};
    ASSERT_TRUE(AwaitDone([&](auto done) {
                  return (*store)->FinishExecution(fence, std::move(outcome), std::move(done));
                }).ok());
    absl::StatusOr<ExecutionDetail> detail = Await<ExecutionDetail>([&](auto done) {
      return (*store)->GetExecution(id, GetOptions{.with_nodes = true, .with_items = true},
                                    std::move(done));
    });
    ASSERT_TRUE(detail.ok()) << detail.status();
    ASSERT_EQ(detail->nodes.size(), 1u);
    EXPECT_EQ(sdk::Json::parse(detail->execution.output_json),
              sdk::Json::parse(R"([{"answer":"42"}])"));
    EXPECT_EQ(detail->last_event_sequence, 1);
  }
  const std::string path = SqliteDatabasePath(backend_.dir());
  const std::string where = absl::StrCat(" WHERE execution_id = '", id, "'");
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM execution_nodes" + where), 0);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM execution_events" + where), 0);
  EXPECT_GT(QueryInt(path, "SELECT length(folded_rows) FROM executions WHERE id = '" + id + "'"),
            0);

  // A damaged blob reads as DATA_LOSS naming the column.
  ASSERT_TRUE(backend_
                  .Execute("UPDATE executions SET folded_rows = x'4652310100' WHERE id = '" + id +
                           "'")
                  .ok());
  absl::StatusOr<ExecutionStorePtr> store = backend_.Open(Options());
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<ExecutionDetail> detail = Await<ExecutionDetail>(
      [&](auto done) { return (*store)->GetExecution(id, GetOptions{}, std::move(done)); });
  EXPECT_EQ(detail.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(detail.status().message(), HasSubstr("folded_rows"));
  EXPECT_THAT(detail.status().message(), HasSubstr(id));
  absl::StatusOr<std::vector<EventRow>> events = Await<std::vector<EventRow>>(
      [&](auto done) { return (*store)->ReadEvents(id, 1, 10, std::move(done)); });
  EXPECT_EQ(events.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(SqliteStoreTest, AnExecutionLeftRunningByAStoppedProcessIsClaimedAfterTheRestart) {
  std::string id;
  {
    StoreOptions options = Options();
    options.owner = "before-restart";
    absl::StatusOr<ExecutionStorePtr> store = backend_.Open(options);
    ASSERT_TRUE(store.ok());
    absl::StatusOr<CreatedExecution> created = StartRunning(**store);
    ASSERT_TRUE(created.ok());
    id = created->id;
  }  // gone without finishing or releasing it, as after a crash
  StoreOptions options = Options();
  options.owner = "after-restart";
  absl::StatusOr<ExecutionStorePtr> store = backend_.Open(options);
  ASSERT_TRUE(store.ok());
  // Its lease has not run out, but only one process can hold the file: its owner is gone.
  absl::StatusOr<std::vector<Claim>> claims = Await<std::vector<Claim>>(
      [&](auto done) { return (*store)->ClaimExecutions(10, std::move(done)); });
  ASSERT_TRUE(claims.ok() && claims->size() == 1);
  EXPECT_EQ((*claims)[0].fence.execution_id, id);
  EXPECT_EQ((*claims)[0].previous_status, ExecutionStatus::kRunning);
}

}  // namespace
}  // namespace flowhost::store::testing
