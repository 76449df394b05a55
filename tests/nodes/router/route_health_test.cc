// The route health table alone: a Retry-After opens a route at once and nobody is admitted
// inside the window; other failures open it only past the rate over the sliding window; half-open
// admits exactly one probe, whose answer closes the route or whose failure opens it again for
// twice as long (up to the ceiling); the table is bounded; its own transitions are published and
// other replicas' are merged (route_health_sharing.h).
#include "nodes/router/route_health.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace flowhost::nodes::router {
namespace {

using Verdict = RouteHealthTable::Admission::Verdict;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);
constexpr char kKey[] = "chat:x|free";

HealthPolicy Policy() {
  HealthPolicy policy;
  policy.failure_rate = 0.5;
  policy.min_calls = 4;
  policy.window = absl::Seconds(30);
  policy.open_for = absl::Seconds(10);
  policy.max_open_for = absl::Seconds(35);
  return policy;
}

void Fail(RouteHealthTable& table, absl::Time at, bool probe = false) {
  table.RecordFailure(kKey, at, Policy(), "upstream", std::nullopt, /*counts=*/true, probe);
}

TEST(RouteHealth, AnUnknownRouteIsClosed) {
  RouteHealthTable table;
  EXPECT_EQ(table.Admit(kKey, kT0).verdict, Verdict::kCall);
  EXPECT_EQ(table.size(), 0u);
}

TEST(RouteHealth, ARetryAfterOpensTheRouteAtOnceForItsWindow) {
  RouteHealthTable table;
  table.RecordFailure(kKey, kT0, Policy(), "rate_limited", absl::Seconds(3), true, false);
  RouteHealthTable::Admission inside = table.Admit(kKey, kT0 + absl::Milliseconds(2999));
  EXPECT_EQ(inside.verdict, Verdict::kSkip);
  EXPECT_EQ(inside.state, RouteState::kOpen);
  EXPECT_EQ(inside.open_until, kT0 + absl::Seconds(3));
  EXPECT_TRUE(inside.retry_after);
  EXPECT_EQ(inside.opened_by, "rate_limited");
  EXPECT_EQ(table.Admit(kKey, kT0 + absl::Seconds(3)).verdict, Verdict::kProbe);
}

TEST(RouteHealth, AShorterRetryAfterDoesNotShortenAnOpenWindow) {
  RouteHealthTable table;
  table.RecordFailure(kKey, kT0, Policy(), "rate_limited", absl::Seconds(20), true, false);
  table.RecordFailure(kKey, kT0 + absl::Seconds(1), Policy(), "rate_limited", absl::Seconds(2),
                      true, false);
  EXPECT_EQ(table.OpenUntil(kKey, kT0 + absl::Seconds(5)), kT0 + absl::Seconds(20));
}

TEST(RouteHealth, FailuresBelowTheMinimumNumberOfCallsNeverOpenTheRoute) {
  RouteHealthTable table;
  for (int i = 0; i < 3; ++i) Fail(table, kT0 + absl::Seconds(i));  // 3 of 3 failed, min is 4
  EXPECT_EQ(table.Admit(kKey, kT0 + absl::Seconds(3)).verdict, Verdict::kCall);
}

TEST(RouteHealth, TheRouteOpensWhenTheFailureRateOverTheWindowReachesTheThreshold) {
  RouteHealthTable table;
  table.RecordSuccess(kKey, kT0, false);
  table.RecordSuccess(kKey, kT0 + absl::Seconds(1), false);
  Fail(table, kT0 + absl::Seconds(2));
  EXPECT_EQ(table.Admit(kKey, kT0 + absl::Seconds(2)).verdict, Verdict::kCall);  // 1 of 3
  Fail(table, kT0 + absl::Seconds(3));                                           // 2 of 4: 50 %
  RouteHealthTable::Admission open = table.Admit(kKey, kT0 + absl::Seconds(4));
  EXPECT_EQ(open.verdict, Verdict::kSkip);
  EXPECT_EQ(open.open_until, kT0 + absl::Seconds(13));
  EXPECT_FALSE(open.retry_after);
}

TEST(RouteHealth, OneFailureInFiveDoesNotOpenTheRoute) {
  RouteHealthTable table;
  for (int i = 0; i < 100; ++i) {
    absl::Time at = kT0 + absl::Milliseconds(100 * i);
    if (i % 5 == 0) {
      Fail(table, at);
    } else {
      table.RecordSuccess(kKey, at, false);
    }
    ASSERT_EQ(table.Admit(kKey, at).verdict, Verdict::kCall) << i;
  }
}

TEST(RouteHealth, FailuresOlderThanTheWindowNoLongerCount) {
  RouteHealthTable table;
  for (int i = 0; i < 3; ++i) Fail(table, kT0 + absl::Seconds(i));
  Fail(table, kT0 + absl::Seconds(40));  // the first three are out of the 30 s window
  EXPECT_EQ(table.Admit(kKey, kT0 + absl::Seconds(40)).verdict, Verdict::kCall);
  std::vector<RouteHealthTable::Snapshot> list = table.List(kT0 + absl::Seconds(40));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].calls, 1);
  EXPECT_EQ(list[0].failures, 1);
}

TEST(RouteHealth, HalfOpenAdmitsOneProbeAndItsSuccessClosesTheRoute) {
  RouteHealthTable table;
  table.RecordFailure(kKey, kT0, Policy(), "rate_limited", absl::Seconds(5), true, false);
  absl::Time later = kT0 + absl::Seconds(5);
  EXPECT_EQ(table.Admit(kKey, later).verdict, Verdict::kProbe);
  RouteHealthTable::Admission other = table.Admit(kKey, later);
  EXPECT_EQ(other.verdict, Verdict::kSkip);
  EXPECT_EQ(other.state, RouteState::kHalfOpen);
  EXPECT_EQ(table.List(later)[0].state, RouteState::kHalfOpen);
  table.RecordSuccess(kKey, later + absl::Seconds(1), /*probe=*/true);
  EXPECT_EQ(table.Admit(kKey, later + absl::Seconds(1)).verdict, Verdict::kCall);
  EXPECT_EQ(table.List(later)[0].state, RouteState::kClosed);
}

TEST(RouteHealth, AFailedProbeOpensTheRouteAgainForTwiceAsLongUpToTheCeiling) {
  RouteHealthTable table;
  for (int i = 0; i < 4; ++i) Fail(table, kT0);  // opens for 10 s
  absl::Time t = kT0 + absl::Seconds(10);
  for (absl::Duration expected : {absl::Seconds(20), absl::Seconds(35), absl::Seconds(35)}) {
    ASSERT_EQ(table.Admit(kKey, t).verdict, Verdict::kProbe);
    Fail(table, t, /*probe=*/true);
    EXPECT_EQ(table.OpenUntil(kKey, t), t + expected);
    t += expected;
  }
  EXPECT_EQ(table.List(t)[0].failed_probes, 3);
  ASSERT_EQ(table.Admit(kKey, t).verdict, Verdict::kProbe);
  table.RecordSuccess(kKey, t, true);
  for (int i = 0; i < 4; ++i) Fail(table, t);  // closed and forgotten: back to 10 s
  EXPECT_EQ(table.OpenUntil(kKey, t), t + absl::Seconds(10));
}

TEST(RouteHealth, AReleasedProbeLetsAnotherExecutionProbe) {
  RouteHealthTable table;
  table.RecordFailure(kKey, kT0, Policy(), "rate_limited", absl::Seconds(1), true, false);
  absl::Time t = kT0 + absl::Seconds(1);
  ASSERT_EQ(table.Admit(kKey, t).verdict, Verdict::kProbe);
  table.ReleaseProbe(kKey);
  EXPECT_EQ(table.Admit(kKey, t).verdict, Verdict::kProbe);
}

TEST(RouteHealth, AProbeThatNeverReportsExpiresAfterItsLease) {
  RouteHealthTable table(/*max_routes=*/10, /*probe_lease=*/absl::Seconds(60));
  table.RecordFailure(kKey, kT0, Policy(), "rate_limited", absl::Seconds(1), true, false);
  absl::Time t = kT0 + absl::Seconds(1);
  ASSERT_EQ(table.Admit(kKey, t).verdict, Verdict::kProbe);
  EXPECT_EQ(table.Admit(kKey, t + absl::Seconds(59)).verdict, Verdict::kSkip);
  EXPECT_EQ(table.Admit(kKey, t + absl::Seconds(60)).verdict, Verdict::kProbe);
}

TEST(RouteHealth, FailuresOfClassesThatDoNotCountLeaveTheRouteAlone) {
  RouteHealthTable table;
  for (int i = 0; i < 10; ++i) {
    table.RecordFailure(kKey, kT0, Policy(), "context_length", absl::Seconds(5), false, false);
  }
  EXPECT_EQ(table.Admit(kKey, kT0).verdict, Verdict::kCall);
}

TEST(RouteHealth, StaysWithinItsBoundDroppingClosedRoutesFirst) {
  RouteHealthTable table(/*max_routes=*/2);
  table.RecordFailure("open", kT0, Policy(), "rate_limited", absl::Seconds(60), true, false);
  table.RecordSuccess("closed", kT0 + absl::Seconds(1), false);
  table.RecordSuccess("newer", kT0 + absl::Seconds(2), false);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_TRUE(table.OpenUntil("open", kT0 + absl::Seconds(2)).has_value());
}

// Keeps what a table publishes.
class RecordingPublisher : public RouteHealthPublisher {
 public:
  void Publish(RouteHealthChange change) override { changes.push_back(std::move(change)); }
  void ClaimProbe(std::string key, absl::Time /*now*/, absl::Duration /*lease*/) override {
    claims.push_back(std::move(key));
  }
  std::vector<RouteHealthChange> changes;
  std::vector<std::string> claims;
};

RouteHealthChange SharedOpening(absl::Time until) {
  RouteHealthChange change;
  change.key = kKey;
  change.kind = RouteHealthChange::Kind::kOpened;
  change.open_until = until;
  change.opened_by = "rate_limited";
  change.retry_after = true;
  change.at = kT0;
  return change;
}

TEST(RouteHealth, OpeningsAndClosingsArePublishedButCallsOnAClosedRouteAreNot) {
  RouteHealthTable table;
  auto publisher = std::make_shared<RecordingPublisher>();
  table.SetPublisher(publisher);
  table.RecordSuccess(kKey, kT0, false);
  Fail(table, kT0);  // 1 of 2: below the threshold
  EXPECT_TRUE(publisher->changes.empty());

  table.RecordFailure(kKey, kT0, Policy(), "rate_limited", absl::Seconds(3), true, false);
  ASSERT_EQ(publisher->changes.size(), 1u);
  EXPECT_EQ(publisher->changes[0].kind, RouteHealthChange::Kind::kOpened);
  EXPECT_EQ(publisher->changes[0].open_until, kT0 + absl::Seconds(3));
  EXPECT_TRUE(publisher->changes[0].retry_after);
  // A shorter window changes nothing, so nothing is published.
  table.RecordFailure(kKey, kT0, Policy(), "rate_limited", absl::Seconds(1), true, false);
  EXPECT_EQ(publisher->changes.size(), 1u);

  ASSERT_EQ(table.Admit(kKey, kT0 + absl::Seconds(3)).verdict, Verdict::kSkip);  // claiming
  table.ProbeClaimed(kKey, /*granted=*/true, kT0 + absl::Seconds(3));
  ASSERT_EQ(table.Admit(kKey, kT0 + absl::Seconds(3)).verdict, Verdict::kProbe);
  table.RecordSuccess(kKey, kT0 + absl::Seconds(3), true);
  ASSERT_EQ(publisher->changes.size(), 2u);
  EXPECT_EQ(publisher->changes[1].kind, RouteHealthChange::Kind::kClosed);
  table.SetPublisher(nullptr);
  table.RecordFailure(kKey, kT0 + absl::Seconds(4), Policy(), "rate_limited", absl::Seconds(3),
                      true, false);
  EXPECT_EQ(publisher->changes.size(), 2u);
}

TEST(RouteHealth, AnotherReplicasWindowKeepsExecutionsOffTheRouteAndNamesTheReplica) {
  RouteHealthTable table;
  auto publisher = std::make_shared<RecordingPublisher>();
  table.SetPublisher(publisher);
  table.ApplyShared(SharedOpening(kT0 + absl::Seconds(5)), "replica-a", kT0);
  RouteHealthTable::Admission admission = table.Admit(kKey, kT0 + absl::Seconds(1));
  EXPECT_EQ(admission.verdict, Verdict::kSkip);
  EXPECT_EQ(admission.open_until, kT0 + absl::Seconds(5));
  EXPECT_EQ(admission.opened_by_replica, "replica-a");
  EXPECT_EQ(table.List(kT0)[0].opened_by_replica, "replica-a");
  EXPECT_TRUE(publisher->changes.empty());  // never echoed back

  // An ended window is ignored; a window for a route never seen here is learned all the same.
  table.ApplyShared(SharedOpening(kT0 - absl::Seconds(1)), "replica-a", kT0);
  RouteHealthChange other = SharedOpening(kT0 + absl::Seconds(5));
  other.key = "chat:x|other";
  table.ApplyShared(other, "replica-b", kT0);
  EXPECT_EQ(table.OpenUntil("chat:x|other", kT0), kT0 + absl::Seconds(5));
}

TEST(RouteHealth, ALocalProbeThatAnswersInsideAnotherReplicasNewWindowLeavesTheRouteOpen) {
  RouteHealthTable table;
  table.RecordFailure(kKey, kT0, Policy(), "rate_limited", absl::Seconds(1), true, false);
  absl::Time t = kT0 + absl::Seconds(1);
  ASSERT_EQ(table.Admit(kKey, t).verdict, Verdict::kProbe);
  table.ApplyShared(SharedOpening(t + absl::Seconds(10)), "replica-a", t);
  table.RecordSuccess(kKey, t + absl::Seconds(1), /*probe=*/true);
  EXPECT_EQ(table.OpenUntil(kKey, t + absl::Seconds(1)), t + absl::Seconds(10));
}

TEST(RouteHealth, WhenASharedWindowEndsOnlyTheReplicaGrantedTheClaimProbes) {
  RouteHealthTable table;
  auto publisher = std::make_shared<RecordingPublisher>();
  table.SetPublisher(publisher);
  table.ApplyShared(SharedOpening(kT0 + absl::Seconds(5)), "replica-a", kT0);
  absl::Time t = kT0 + absl::Seconds(5);

  // The window ends: the first execution asks for the probe and skips; so do the next ones
  // until the answer comes, without asking again.
  RouteHealthTable::Admission first = table.Admit(kKey, t);
  EXPECT_EQ(first.verdict, Verdict::kSkip);
  EXPECT_TRUE(first.probe_elsewhere);
  EXPECT_EQ(table.Admit(kKey, t).verdict, Verdict::kSkip);
  ASSERT_EQ(publisher->claims.size(), 1u);
  EXPECT_EQ(publisher->claims[0], kKey);

  // Another replica probes: skip, and ask again only after kProbeClaimRetry.
  table.ProbeClaimed(kKey, /*granted=*/false, t);
  EXPECT_EQ(table.Admit(kKey, t + absl::Milliseconds(999)).verdict, Verdict::kSkip);
  EXPECT_EQ(publisher->claims.size(), 1u);
  absl::Time retry = t + RouteHealthTable::kProbeClaimRetry;
  EXPECT_EQ(table.Admit(kKey, retry).verdict, Verdict::kSkip);
  EXPECT_EQ(publisher->claims.size(), 2u);

  // Granted: one execution here probes, the others skip as without sharing.
  table.ProbeClaimed(kKey, /*granted=*/true, retry);
  EXPECT_EQ(table.Admit(kKey, retry).verdict, Verdict::kProbe);
  RouteHealthTable::Admission other = table.Admit(kKey, retry);
  EXPECT_EQ(other.verdict, Verdict::kSkip);
  EXPECT_FALSE(other.probe_elsewhere);
  // A late answer to an old claim changes nothing once the route has closed.
  table.RecordSuccess(kKey, retry, /*probe=*/true);
  table.ProbeClaimed(kKey, /*granted=*/false, retry);
  EXPECT_EQ(table.Admit(kKey, retry).verdict, Verdict::kCall);
}

TEST(RouteHealth, AWindowThatWasNeverSharedIsProbedWithoutAClaim) {
  RouteHealthTable table;
  table.RecordFailure(kKey, kT0, Policy(), "rate_limited", absl::Seconds(1), true, false);
  auto publisher = std::make_shared<RecordingPublisher>();
  table.SetPublisher(publisher);  // sharing began after the route opened
  EXPECT_EQ(table.Admit(kKey, kT0 + absl::Seconds(1)).verdict, Verdict::kProbe);
  EXPECT_TRUE(publisher->claims.empty());
}

TEST(RouteHealth, AnotherReplicasClosingClosesOnlyARouteWhoseWindowHasEnded) {
  RouteHealthTable table;
  RouteHealthChange closing;
  closing.key = kKey;
  closing.kind = RouteHealthChange::Kind::kClosed;
  table.RecordFailure(kKey, kT0, Policy(), "rate_limited", absl::Seconds(5), true, false);
  table.ApplyShared(closing, "replica-a", kT0 + absl::Seconds(1));
  EXPECT_EQ(table.Admit(kKey, kT0 + absl::Seconds(1)).verdict, Verdict::kSkip);

  ASSERT_EQ(table.Admit(kKey, kT0 + absl::Seconds(5)).verdict, Verdict::kProbe);  // half-open
  table.ApplyShared(closing, "replica-a", kT0 + absl::Seconds(5));
  EXPECT_EQ(table.Admit(kKey, kT0 + absl::Seconds(5)).verdict, Verdict::kCall);
  EXPECT_EQ(table.List(kT0 + absl::Seconds(5))[0].failed_probes, 0);
}

}  // namespace
}  // namespace flowhost::nodes::router
