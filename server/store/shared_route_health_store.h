// Route health shared by the replicas of one store: what a store that several processes share
// (PostgreSQL) offers so that a route one replica opened (a Retry-After window, an outage past the
// failure threshold) is open for all of them. One row per route key, holding its last shared
// transition; the host's RouteHealthSharing (server/service/route_health_sharing.h) publishes this
// process's transitions here and merges the others' into its route health table.
//
// Merge rules, applied by the store in one conditional statement so replicas racing agree:
//   - an opening replaces the row unless the row is already open until at least as late;
//   - a closing (a probe answered) replaces an open row only when that row's window has ended at
//     the closing's time: a later window another replica published stands;
//   - the probe of an ended window is claimed by one replica at a time (a conditional UPDATE):
//     the claim holds until its lease ends, or the row opens or closes again.
//
// The SQLite store and "no store" do not offer it (ExecutionStore::shared_route_health() is null):
// route health then stays per process.
//
// Thread-safety: as ExecutionStore (execution_store.h): every method returns at once, callbacks and
// the listener run on the store thread and must be quick.
#ifndef FLOWHOST_SERVER_STORE_SHARED_ROUTE_HEALTH_STORE_H_
#define FLOWHOST_SERVER_STORE_SHARED_ROUTE_HEALTH_STORE_H_

#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/store/execution_store.h"

namespace flowhost::store {

// One route's last shared transition.
struct SharedRouteRecord {
  std::string route;  // the route key
  bool open = false;  // false: closed by a probe that answered
  // Open: when the window ends, on the publishing replica's wall clock (replicas must keep their
  // clocks synchronised: a skew shifts every window by as much).
  absl::Time open_until = absl::InfinitePast();
  std::string opened_by;  // open: the failure class
  bool retry_after = false;
  int failed_probes = 0;
  std::string replica;  // the publishing store's owner name
  absl::Time at;        // when the replica saw it (its clock)
};

// What ReadSharedRoutes returns.
struct SharedRoutePage {
  std::vector<SharedRouteRecord> routes;
  // The database's clock when the rows were read: the next read asks for rows changed since
  // (a little before) it, so replicas' clocks never decide what is read.
  absl::Time read_at;
};

class SharedRouteHealthStore {
 public:
  virtual ~SharedRouteHealthStore() = default;

  // Queues `record` for the shared table (merged by the rules above); the other replicas are
  // notified when it changed the row. Errors as ExecutionStore's (a full queue, the database
  // unreachable): the transition is then not shared, and stays in this process.
  virtual absl::Status PublishSharedRoute(SharedRouteRecord record,
                                          DoneCallback done = nullptr) = 0;

  // Claims the probe of `route`, whose window has ended at `now` (the replica's clock), for
  // `replica` until `lease_until`: true when granted (no other replica holds an unexpired claim,
  // or the route has no row: nothing to coordinate); false when another replica holds it, or the
  // row has opened again or closed meanwhile (the news is on its way).
  virtual absl::Status ClaimSharedProbe(std::string route, std::string replica, absl::Time now,
                                        absl::Time lease_until, Callback<bool> done) = 0;

  // The rows changed since `since` on the database's clock (InfinitePast: every row), with the
  // database's time of the read.
  virtual absl::Status ReadSharedRoutes(absl::Time since, Callback<SharedRoutePage> done) = 0;

  // Called on the store thread when another replica changed a row (a NOTIFY): a hint to read. A
  // lost notification only delays the news until the reader's next poll. Null clears it; may be
  // set at any time.
  virtual void SetSharedRouteListener(absl::AnyInvocable<void()> listener) = 0;
};

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_SHARED_ROUTE_HEALTH_STORE_H_
