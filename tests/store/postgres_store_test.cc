// What only the PostgreSQL store does: replicas sharing one database (SKIP LOCKED claims, fencing
// across instances, NOTIFY wake-ups, shared route health and its merge rules), and a server that
// goes away and comes back.
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/clocks.h"
#include "server/store/postgres/postgres_connection.h"
#include "server/store/postgres/postgres_execution_store.h"
#include "server/store/shared_route_health_store.h"
#include "tests/store/store_backends.h"

namespace flowhost::store::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(backend_.Prepare().ok()); }

  ExecutionStorePtr Open(const common::ManualClock& clock, std::string owner) {
    StoreOptions options;
    options.clock = &clock;
    options.owner = std::move(owner);
    options.prune_interval = absl::InfiniteDuration();
    options.poll_interval = absl::InfiniteDuration();
    absl::StatusOr<ExecutionStorePtr> store = backend_.Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static std::string Queue(ExecutionStore& store) {
    NewExecution execution;
    execution.workflow = "summarise";
    absl::StatusOr<CreatedExecution> created = Await<CreatedExecution>(
        [&](auto done) { return store.CreateExecution(std::move(execution), std::move(done)); });
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->id : "";
  }

  PostgresBackend backend_;
  common::ManualClock clock_a_;
  common::ManualClock clock_b_;
};

TEST_F(PostgresStoreTest, TwoReplicasClaimingAtOnceNeverGetTheSameExecution) {
  ExecutionStorePtr a = Open(clock_a_, "replica-a");
  ExecutionStorePtr b = Open(clock_b_, "replica-b");
  std::set<std::string> queued;
  for (int i = 0; i < 200; ++i) queued.insert(Queue(i % 2 ? *a : *b));

  // Each replica claims in batches of 7 until it finds nothing, both at the same time.
  absl::Mutex mu;
  std::multiset<std::string> claimed;
  std::map<std::string, int> per_replica;
  auto drain = [&](ExecutionStore* store) {
    for (;;) {
      absl::StatusOr<std::vector<Claim>> claims = Await<std::vector<Claim>>(
          [&](auto done) { return store->ClaimExecutions(7, std::move(done)); });
      ASSERT_TRUE(claims.ok()) << claims.status();
      if (claims->empty()) return;
      absl::MutexLock lock(&mu);
      for (const Claim& claim : *claims) claimed.insert(claim.fence.execution_id);
      per_replica[store->owner()] += static_cast<int>(claims->size());
    }
  };
  std::thread first(drain, a.get());
  std::thread second(drain, b.get());
  first.join();
  second.join();
  EXPECT_EQ(claimed.size(), queued.size());
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()), queued);  // each exactly once
  EXPECT_EQ(per_replica["replica-a"] + per_replica["replica-b"], 200);
}

TEST_F(PostgresStoreTest, AReplicaWhoseLeaseExpiredIsFencedOutByTheOneThatTookOver) {
  ExecutionStorePtr a = Open(clock_a_, "replica-a");
  ExecutionStorePtr b = Open(clock_b_, "replica-b");
  std::string id = Queue(*a);
  absl::StatusOr<std::vector<Claim>> by_a =
      Await<std::vector<Claim>>([&](auto done) { return a->ClaimExecutions(1, std::move(done)); });
  ASSERT_TRUE(by_a.ok() && by_a->size() == 1);
  Fence stale = (*by_a)[0].fence;

  // Replica a stops renewing (a kill -9, a long pause); b's clock passes a's lease.
  EXPECT_TRUE(Await<std::vector<Claim>>([&](auto done) {
                return b->ClaimExecutions(1, std::move(done));
              })->empty());
  clock_b_.Advance(absl::Seconds(31));
  absl::StatusOr<std::vector<Claim>> by_b =
      Await<std::vector<Claim>>([&](auto done) { return b->ClaimExecutions(1, std::move(done)); });
  ASSERT_TRUE(by_b.ok() && by_b->size() == 1);
  EXPECT_EQ((*by_b)[0].fence.execution_id, id);
  EXPECT_EQ((*by_b)[0].previous_status, ExecutionStatus::kRunning);

  EventRow event;
  event.sequence = 1;
  event.kind = "node_started";
  absl::Status stale_write =
      AwaitDone([&](auto done) { return a->AppendEvent(stale, event, std::move(done)); });
  EXPECT_EQ(stale_write.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(stale_write.message(), HasSubstr("taken over"));
  absl::StatusOr<RenewResult> renewed =
      Await<RenewResult>([&](auto done) { return a->RenewLeases({stale}, std::move(done)); });
  ASSERT_TRUE(renewed.ok());
  EXPECT_THAT(renewed->lost, ::testing::ElementsAre(id));

  EXPECT_TRUE(AwaitDone([&](auto done) {
                return b->AppendEvent((*by_b)[0].fence, event, std::move(done));
              }).ok());
  absl::StatusOr<ExecutionDetail> detail = Await<ExecutionDetail>(
      [&](auto done) { return b->GetExecution(id, GetOptions{}, std::move(done)); });
  EXPECT_EQ(detail->execution.owner, "replica-b");
  EXPECT_EQ(detail->last_event_sequence, 1);
}

TEST_F(PostgresStoreTest, AnExecutionQueuedByOneReplicaWakesAnotherThroughNotify) {
  ExecutionStorePtr a = Open(clock_a_, "replica-a");
  ExecutionStorePtr b = Open(clock_b_, "replica-b");  // polls never: only NOTIFY can wake it
  absl::Notification woken;
  b->SetWorkListener([&] {
    if (!woken.HasBeenNotified()) woken.Notify();
  });
  Queue(*a);
  EXPECT_TRUE(woken.WaitForNotificationWithTimeout(absl::Minutes(1)));
}

// Shared route health: an opening one replica publishes is read by another (and announced to it
// by NOTIFY); a shorter opening never shortens the window; a closing is refused while the window
// lasts and taken once it has ended.
TEST_F(PostgresStoreTest, ASharedRouteOpeningReachesAnotherReplicaAndOnlyAnEndedWindowCloses) {
  ExecutionStorePtr a = Open(clock_a_, "replica-a");
  ExecutionStorePtr b = Open(clock_b_, "replica-b");
  SharedRouteHealthStore* shared_a = a->shared_route_health();
  SharedRouteHealthStore* shared_b = b->shared_route_health();
  ASSERT_NE(shared_a, nullptr);
  ASSERT_NE(shared_b, nullptr);
  absl::Notification announced;
  shared_b->SetSharedRouteListener([&] {
    if (!announced.HasBeenNotified()) announced.Notify();
  });
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  auto publish = [](SharedRouteHealthStore& store, SharedRouteRecord record) {
    return AwaitDone(
        [&](auto done) { return store.PublishSharedRoute(std::move(record), std::move(done)); });
  };
  auto read_all = [&](SharedRouteHealthStore& store) {
    absl::StatusOr<SharedRoutePage> page = Await<SharedRoutePage>(
        [&](auto done) { return store.ReadSharedRoutes(absl::InfinitePast(), std::move(done)); });
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->routes : std::vector<SharedRouteRecord>{};
  };
  SharedRouteRecord opened{"chat:x|free", true, t0 + absl::Seconds(30), "rate_limited", true, 0,
                           "replica-a",   t0};
  ASSERT_TRUE(publish(*shared_a, opened).ok());
  EXPECT_TRUE(announced.WaitForNotificationWithTimeout(absl::Minutes(1)));

  std::vector<SharedRouteRecord> rows = read_all(*shared_b);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].route, "chat:x|free");
  EXPECT_TRUE(rows[0].open);
  EXPECT_EQ(rows[0].open_until, t0 + absl::Seconds(30));
  EXPECT_EQ(rows[0].opened_by, "rate_limited");
  EXPECT_TRUE(rows[0].retry_after);
  EXPECT_EQ(rows[0].replica, "replica-a");

  // B saw a shorter window: A's stands. B's probe answered before A's window ended: refused.
  SharedRouteRecord shorter{
      "chat:x|free",        true, t0 + absl::Seconds(10), "upstream", false, 0, "replica-b",
      t0 + absl::Seconds(1)};
  ASSERT_TRUE(publish(*shared_b, shorter).ok());
  SharedRouteRecord early_close{"chat:x|free", false, absl::InfinitePast(), "",
                                false,         0,     "replica-b",          t0 + absl::Seconds(20)};
  ASSERT_TRUE(publish(*shared_b, early_close).ok());
  rows = read_all(*shared_a);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].open);
  EXPECT_EQ(rows[0].open_until, t0 + absl::Seconds(30));
  EXPECT_EQ(rows[0].replica, "replica-a");

  // After the window, B's probe answers: the route is closed for everyone.
  SharedRouteRecord closed = early_close;
  closed.at = t0 + absl::Seconds(31);
  ASSERT_TRUE(publish(*shared_b, closed).ok());
  rows = read_all(*shared_a);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].open);
  EXPECT_EQ(rows[0].replica, "replica-b");

  // A read since the last one's time (less the overlap a reader keeps) finds nothing new.
  absl::StatusOr<SharedRoutePage> page = Await<SharedRoutePage>(
      [&](auto done) { return shared_a->ReadSharedRoutes(absl::Now(), std::move(done)); });
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->routes.empty());
  EXPECT_GT(page->read_at, absl::Now() - absl::Minutes(1));
  shared_b->SetSharedRouteListener(nullptr);
}

// The probe of an ended shared window goes to one replica at a time: a conditional UPDATE grants
// it while nobody holds an unexpired claim; a new window clears it.
TEST_F(PostgresStoreTest, OneReplicaAtATimeIsGrantedTheProbeOfAnEndedSharedWindow) {
  ExecutionStorePtr a = Open(clock_a_, "replica-a");
  ExecutionStorePtr b = Open(clock_b_, "replica-b");
  SharedRouteHealthStore& shared_a = *a->shared_route_health();
  SharedRouteHealthStore& shared_b = *b->shared_route_health();
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  auto open = [&](absl::Time until) {
    SharedRouteRecord record{"chat:x|free", true, until, "upstream", false, 0, "replica-a", t0};
    return AwaitDone(
        [&](auto done) { return shared_a.PublishSharedRoute(std::move(record), std::move(done)); });
  };
  auto claim = [](SharedRouteHealthStore& store, const std::string& route,
                  const std::string& replica, absl::Time now) {
    absl::StatusOr<bool> granted = Await<bool>([&](auto done) {
      return store.ClaimSharedProbe(route, replica, now, now + absl::Seconds(30), std::move(done));
    });
    EXPECT_TRUE(granted.ok()) << granted.status();
    return granted.value_or(false);
  };
  ASSERT_TRUE(open(t0 + absl::Seconds(30)).ok());
  EXPECT_FALSE(claim(shared_a, "chat:x|free", "replica-a", t0 + absl::Seconds(20)));  // still open
  EXPECT_TRUE(claim(shared_a, "chat:x|free", "replica-a", t0 + absl::Seconds(31)));
  EXPECT_FALSE(claim(shared_b, "chat:x|free", "replica-b", t0 + absl::Seconds(32)));
  EXPECT_TRUE(claim(shared_a, "chat:x|free", "replica-a", t0 + absl::Seconds(33)));  // renewed
  EXPECT_TRUE(claim(shared_b, "chat:x|free", "replica-b", t0 + absl::Seconds(64)));  // lapsed
  EXPECT_TRUE(claim(shared_b, "chat:x|unknown", "replica-b", t0));  // nothing to coordinate
  // The probe failed and the route opened again: its next probe is anyone's.
  ASSERT_TRUE(open(t0 + absl::Seconds(100)).ok());
  EXPECT_TRUE(claim(shared_a, "chat:x|free", "replica-a", t0 + absl::Seconds(101)));
}

// CancelExecution asked on replica B for an execution replica A runs: B's RequestCancel sends
// the id over NOTIFY, and A's cancel listener gets it (its renewal would only later).
TEST_F(PostgresStoreTest, ACancelRequestedOnOneReplicaReachesTheOwnersCancelListener) {
  ExecutionStorePtr a = Open(clock_a_, "replica-a");
  ExecutionStorePtr b = Open(clock_b_, "replica-b");
  absl::Mutex mu;
  std::vector<std::string> told;
  a->SetCancelListener([&](const std::string& id) {
    absl::MutexLock lock(&mu);
    told.push_back(id);
  });
  NewExecution execution;
  execution.workflow = "summarise";
  execution.claim_now = true;
  absl::StatusOr<CreatedExecution> created = Await<CreatedExecution>(
      [&](auto done) { return a->CreateExecution(std::move(execution), std::move(done)); });
  ASSERT_TRUE(created.ok()) << created.status();
  std::string queued = Queue(*a);
  absl::StatusOr<ExecutionStatus> status = Await<ExecutionStatus>(
      [&](auto done) { return b->RequestCancel(created->id, std::move(done)); });
  EXPECT_EQ(*status, ExecutionStatus::kRunning);
  status = Await<ExecutionStatus>(
      [&](auto done) { return b->RequestCancel(queued, std::move(done)); });
  EXPECT_EQ(*status, ExecutionStatus::kCancelled);  // at once: nobody runs it

  auto reached = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu) { return !told.empty(); };
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&reached), absl::Minutes(1)));
  }
  absl::SleepFor(absl::Milliseconds(200));  // time for a (wrong) second one to arrive
  absl::MutexLock lock(&mu);
  EXPECT_THAT(told, ::testing::ElementsAre(created->id));  // not the queued one
}

TEST_F(PostgresStoreTest, AStoppedServerGivesUnavailableAndTheStoreRecoversWhenItIsBack) {
  ExecutionStorePtr store = Open(clock_a_, "replica-a");
  std::string id = Queue(*store);
  absl::Mutex mu;
  std::vector<absl::Status> changes;
  store->SetHealthListener([&](const absl::Status& status) {
    absl::MutexLock lock(&mu);
    changes.push_back(status);
  });
  // Waits until the last health change reported is OK (`ok`) or an error.
  auto wait_for = [&](bool ok) {
    auto reached = [&]() { return !changes.empty() && changes.back().ok() == ok; };
    absl::MutexLock lock(&mu);
    return mu.AwaitWithTimeout(absl::Condition(&reached), absl::Minutes(1));
  };

  ASSERT_TRUE(PostgresBackend::Server().Stop().ok());
  ASSERT_TRUE(wait_for(false));
  absl::Status down = store->Health();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(down.message(), HasSubstr("postgres"));
  absl::StatusOr<ExecutionDetail> refused = Await<ExecutionDetail>(
      [&](auto done) { return store->GetExecution(id, GetOptions{}, std::move(done)); });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);

  ASSERT_TRUE(PostgresBackend::Server().Restart().ok());
  ASSERT_TRUE(wait_for(true));
  EXPECT_TRUE(store->Health().ok());
  absl::StatusOr<ExecutionDetail> back = Await<ExecutionDetail>(
      [&](auto done) { return store->GetExecution(id, GetOptions{}, std::move(done)); });
  EXPECT_TRUE(back.ok()) << back.status();
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsUnavailableAndTheMessageHidesThePassword) {
  absl::StatusOr<ExecutionStorePtr> store = OpenPostgresStore(
      "host=/nonexistent-flowhost-dir port=5432 user=flowhost password=hunter2 dbname=x",
      StoreOptions{});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(store.status().message(), HasSubstr("/nonexistent-flowhost-dir"));
  EXPECT_THAT(store.status().message(), Not(HasSubstr("hunter2")));
  absl::StatusOr<ExecutionStorePtr> url = OpenPostgresStore(
      "postgresql://flowhost:hunter2@%2Fnonexistent-flowhost-dir/x", StoreOptions{});
  EXPECT_EQ(url.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(url.status().message(), Not(HasSubstr("hunter2")));
  absl::StatusOr<ExecutionStorePtr> malformed =
      OpenPostgresStore("postgresql://[::1", StoreOptions{});
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(malformed.status().message(), HasSubstr("store.url"));
}

TEST(PostgresErrorStatusTest, SqlstatesMapToCodesThatSayWhoMustAct) {
  EXPECT_EQ(
      PostgresErrorStatus("53100", "could not extend file: No space left on device", "s").code(),
      absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(PostgresErrorStatus("53300", "too many connections", "s").code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(PostgresErrorStatus("08006", "connection failure", "s").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(PostgresErrorStatus("57P01", "terminating connection", "s").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(PostgresErrorStatus("40P01", "deadlock detected", "s").code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(PostgresErrorStatus("23505", "duplicate key", "s").code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(PostgresErrorStatus("22021", "invalid byte sequence", "s").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PostgresErrorStatus("42601", "syntax error", "s").code(), absl::StatusCode::kInternal);
  absl::Status status = PostgresErrorStatus("53100", "disk full\n", "execution store (postgres)");
  EXPECT_THAT(status.message(),
              HasSubstr("execution store (postgres): disk full (SQLSTATE 53100)"));
}

}  // namespace
}  // namespace flowhost::store::testing
