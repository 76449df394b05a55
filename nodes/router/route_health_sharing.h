// How a RouteHealthTable is shared with other processes (replicas on one PostgreSQL store) without
// knowing how: the table tells a RouteHealthPublisher about its own transitions (a route opened,
// with the time it ends; a route closed by a probe that answered), and is told the other
// replicas' transitions through RouteHealthTable::ApplyShared. The host implements the publisher
// (server/service/route_health_sharing.h) over its execution store; without one (SQLite, no
// store) the table stays private to the process.
//
// Only transitions travel, never each call: a closed route that answers costs no publication.
// Failure counts stay per process; what the threshold decides (the route opens) is shared.
//
// The half-open probe is claimed cluster-wide: when a shared window ends, a table with a publisher
// lets no execution probe until the publisher has claimed the probe for this process
// (ClaimProbe) and the answer has come back (RouteHealthTable::ProbeClaimed); meanwhile, and on
// the other replicas, executions skip the route as while a local probe is out.
#ifndef FLOWHOST_NODES_ROUTER_ROUTE_HEALTH_SHARING_H_
#define FLOWHOST_NODES_ROUTER_ROUTE_HEALTH_SHARING_H_

#include <string>

#include "absl/time/time.h"

namespace flowhost::nodes::router {

// One transition of a route's circuit breaker.
struct RouteHealthChange {
  enum class Kind {
    kOpened,  // open until `open_until` (absolute wall-clock time)
    kClosed,  // a probe answered; the route is called again
  };
  std::string key;  // the route key (route.h)
  Kind kind = Kind::kOpened;
  absl::Time open_until = absl::InfinitePast();  // kOpened
  std::string opened_by;                         // kOpened: the failure class
  bool retry_after = false;                      // kOpened by the upstream's Retry-After
  int failed_probes = 0;                         // since the route last closed
  absl::Time at;                                 // when it happened (the recorder's clock)
};

// Receives a table's own transitions, to share them.
// Thread-safety: Publish is called from whichever thread recorded the call's outcome (an
// executor worker), outside the table's lock; it must return at once (queue, never wait for I/O).
class RouteHealthPublisher {
 public:
  virtual ~RouteHealthPublisher() = default;
  virtual void Publish(RouteHealthChange change) = 0;
  // Asks to be the one process that probes `key`, whose shared window has ended at `now`, for
  // `lease`. The answer (granted, or not: another replica probes) comes later, from any thread,
  // through RouteHealthTable::ProbeClaimed. When the claim cannot be made (the store is
  // unreachable), grant it: the replicas then probe one each, rather than none.
  virtual void ClaimProbe(std::string key, absl::Time now, absl::Duration lease) = 0;
};

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_ROUTE_HEALTH_SHARING_H_
