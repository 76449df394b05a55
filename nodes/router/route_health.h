// The health of every route the routers of this process call: a circuit breaker per route key,
// shared by every execution (and every workflow: the key names what is called, see route.h).
//
// A route is closed (called), open (skipped without a call until a time) or half-open (its open
// period has ended: one execution's call, the probe, goes through; the others skip it until the
// probe reports). It opens:
//   - at once, for the window the upstream gave, when a failure carries a Retry-After (a 429, or
//     a 503 with Retry-After): nobody calls inside that window, the execution that got it
//     included;
//   - when, over the last `window`, at least `min_calls` calls were made and the share of them
//     that failed reached `failure_rate`: for `open_for`, doubled after each failed probe up to
//     `max_open_for`.
// A probe that succeeds closes the route and forgets its failures; one that fails opens it again.
// An open period never shortens: a route already open for longer stays open until its end, and a
// probe that answers while a later window has opened (another execution's Retry-After) leaves the
// route open.
//
// Sharing (route_health_sharing.h): with a publisher set, the table publishes its own openings and
// closings, and ApplyShared merges those of other replicas, so an outage one replica sees keeps all
// of them off the route; the half-open probe of a shared window is claimed for the whole cluster
// (ClaimProbe / ProbeClaimed). Without one the table is private to the process.
//
// Ownership: the router node type holds one table for the process (shared_ptr); the host keeps
// another reference to report it (ListRouteHealth) and to share it.
// Thread-safety: safe from any thread; every method takes one short lock (the publisher is called
// after it is released).
#ifndef FLOWHOST_NODES_ROUTER_ROUTE_HEALTH_H_
#define FLOWHOST_NODES_ROUTER_ROUTE_HEALTH_H_

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nodes/router/route_health_sharing.h"

namespace flowhost::nodes::router {

// When failures open a route, and for how long. Set per router node (its parameters); the node
// whose call failed decides.
struct HealthPolicy {
  // The share of calls in `window` that must fail to open the route (0 < rate <= 1).
  double failure_rate = 0.6;
  // Fewer calls than this in `window` never open the route (one failure is not an outage).
  int min_calls = 10;
  // How far back calls count.
  absl::Duration window = absl::Seconds(30);
  // How long the route stays open when failures (not a Retry-After) open it.
  absl::Duration open_for = absl::Seconds(5);
  // The longest open period after repeated failed probes (each doubles the last).
  absl::Duration max_open_for = absl::Seconds(30);
};

enum class RouteState { kClosed, kOpen, kHalfOpen };

// "closed", "open", "half_open".
std::string_view RouteStateName(RouteState state);

class RouteHealthTable {
 public:
  // What an execution may do with a route now.
  struct Admission {
    enum class Verdict { kCall, kProbe, kSkip };
    Verdict verdict = Verdict::kCall;
    RouteState state = RouteState::kClosed;
    absl::Time open_until = absl::InfinitePast();  // kSkip while open: when it ends
    std::string opened_by;                         // kSkip: the failure class that opened it
    bool retry_after = false;                      // kSkip while open: the upstream asked for it
    std::string opened_by_replica;  // kSkip: the replica whose call opened it; empty: this one
    // kSkip while half-open: the probe is another replica's, or being claimed (sharing only).
    bool probe_elsewhere = false;
  };

  // One route as ListRouteHealth shows it.
  struct Snapshot {
    std::string key;
    RouteState state = RouteState::kClosed;
    int calls = 0;     // in the window (of the policy that last recorded)
    int failures = 0;  // of those
    absl::Time open_until = absl::InfinitePast();  // when open
    std::string opened_by;                         // when open or half-open
    bool retry_after = false;                      // opened by an upstream's Retry-After
    int failed_probes = 0;                         // since the route last closed
    absl::Time last_failure = absl::InfinitePast();
    // When open or half-open: the replica (its store owner name) whose call opened it, as learned
    // through ApplyShared; empty when this process opened it.
    std::string opened_by_replica;
  };

  // Bounds the routes tracked; when full, the least recently used closed route is dropped.
  // A probe unanswered for `probe_lease` (its execution vanished) lets another execution probe.
  explicit RouteHealthTable(size_t max_routes = 10'000,
                            absl::Duration probe_lease = absl::Minutes(2))
      : max_routes_(max_routes), probe_lease_(probe_lease) {}

  // Whether to call `key` now. kProbe makes the caller the route's one probe: it must report the
  // call's outcome (RecordSuccess / RecordFailure with `probe` true) or ReleaseProbe.
  Admission Admit(std::string_view key, absl::Time now);

  // A call on `key` answered.
  void RecordSuccess(std::string_view key, absl::Time now, bool probe);

  // A call on `key` failed with `error_class`. `counts` says whether the class counts against the
  // route (the router's `cooldown_on`); `retry_after` is the upstream's delay, already capped.
  void RecordFailure(std::string_view key, absl::Time now, const HealthPolicy& policy,
                     std::string_view error_class, std::optional<absl::Duration> retry_after,
                     bool counts, bool probe);

  // The probe made no call that says anything about the route (cancelled, or a failure of a class
  // that does not count): another execution may probe.
  void ReleaseProbe(std::string_view key);

  // When `key` is open at `now`, the time it ends.
  std::optional<absl::Time> OpenUntil(std::string_view key, absl::Time now) const;

  // Every tracked route, sorted by key.
  std::vector<Snapshot> List(absl::Time now) const;

  // Shares this table's own transitions through `publisher` (null: stop sharing). The host sets it
  // at start-up and clears it before the publisher goes.
  void SetPublisher(std::shared_ptr<RouteHealthPublisher> publisher);

  // The answer to RouteHealthPublisher::ClaimProbe: `granted` makes this process the route's
  // prober (one of its executions probes, as without sharing; if none starts within
  // kProbeClaimLease, the claim lapses); otherwise another replica probes, and executions here
  // skip the route, asking again after kProbeClaimRetry. An answer that comes after the route
  // opened or closed again is ignored.
  void ProbeClaimed(std::string_view key, bool granted, absl::Time now);
  static constexpr absl::Duration kProbeClaimRetry = absl::Seconds(1);

  // Merges a transition that another replica (`replica`) published, at `now`:
  //   - kOpened with an end after `now` opens the route here until then, unless it is already open
  //     for at least as long; an ended one is ignored.
  //   - kClosed closes a route whose open period has ended here (half-open), as a probe of this
  //     process would have; a route still open here (a later window) stays open.
  // Never publishes (what others published is not echoed back).
  void ApplyShared(const RouteHealthChange& change, std::string_view replica, absl::Time now);

  // Forgets every route (for tests and operators).
  void Clear();

  size_t size() const;

 private:
  struct Sample {
    absl::Time at;
    bool failed;
  };
  struct Route {
    RouteState state = RouteState::kClosed;
    std::deque<Sample> samples;  // newest last, at most kMaxSamples
    absl::Duration window = absl::Seconds(30);
    absl::Time open_until = absl::InfinitePast();
    absl::Duration last_open_for = absl::ZeroDuration();  // of a failure-driven opening
    std::string opened_by;
    bool retry_after = false;
    std::string opened_by_replica;  // empty: opened here
    // The current window is known to the other replicas (published or learned), so its probe is
    // claimed cluster-wide (route_health_sharing.h).
    bool shared = false;
    enum class ProbeClaim { kNone, kPending, kGranted, kElsewhere };
    ProbeClaim probe_claim = ProbeClaim::kNone;
    absl::Time probe_claim_until;  // kPending / kGranted / kElsewhere: until when it holds
    bool probe_out = false;
    absl::Time probe_started;
    int failed_probes = 0;
    absl::Time last_failure = absl::InfinitePast();
    absl::Time last_used;
  };
  static constexpr size_t kMaxSamples = 256;

  Route& Find(std::string_view key, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A ClaimProbe to send once the lock is released (none while `publisher` is null).
  struct ProbeClaimRequest {
    std::shared_ptr<RouteHealthPublisher> publisher;
    absl::Duration lease;
  };
  // Admit's decision, under the lock it takes; a claim to send is left in `claim`.
  Admission AdmitLocked(std::string_view key, absl::Time now, ProbeClaimRequest& claim);
  bool HoldsProbeClaim(Route& route, absl::Time now, ProbeClaimRequest& claim)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A claim unanswered this long (the store is slow or gone) is made again.
  static constexpr absl::Duration kProbeClaimTimeout = absl::Seconds(5);
  // A granted claim holds this long for one of this process's executions to start the probe;
  // when one does, it is renewed for the probe lease.
  static constexpr absl::Duration kProbeClaimLease = absl::Seconds(10);

  // RecordFailure under the lock: whether the route opened (or its window grew); nullopt when the
  // failure does not count.
  std::optional<bool> RecordFailureLocked(std::string_view key, absl::Time now,
                                          const HealthPolicy& policy, std::string_view error_class,
                                          std::optional<absl::Duration> retry_after, bool counts,
                                          bool probe) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void Forget(Route& route, absl::Time now);
  // Opens `route` until `until`; false (nothing changes) when it is already open at least as long.
  static bool Open(Route& route, absl::Time until, std::string_view error_class, bool retry_after);
  static void Close(Route& route);
  static RouteHealthChange Opened(std::string_view key, const Route& route, absl::Time now);

  const size_t max_routes_;
  const absl::Duration probe_lease_;
  mutable absl::Mutex mu_;
  std::map<std::string, Route, std::less<>> routes_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<RouteHealthPublisher> publisher_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_ROUTE_HEALTH_H_
