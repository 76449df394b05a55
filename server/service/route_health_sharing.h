// Shares this server's route health (the router.fallback circuit breakers, route_health.h) with
// the other replicas of its PostgreSQL execution store, so that a Retry-After window or an outage
// one replica sees keeps every replica off the route.
//
// - Out: the table's own transitions (a route opened until a time, a route closed by a probe that
//   answered) are queued on the store as they happen (SharedRouteHealthStore::PublishSharedRoute):
//   the router's call path only pushes onto the store's queue, never waits for the database.
// - In: the rows other replicas changed are read when the store hears a NOTIFY, and every
//   `poll_interval` as the fallback, and merged into the table (RouteHealthTable::ApplyShared).
//   The router's admission then reads only the local table.
//
// What it guarantees: a window one replica publishes keeps the others off the route from the
// moment they read it (a NOTIFY round trip, typically milliseconds; at most `poll_interval` when a
// notification is lost) until its end. Calls already in flight, or admitted before the news
// arrived, are not recalled. One probe for the cluster: when a shared window ends, the replicas
// claim its probe with a conditional UPDATE and only the one granted lets an execution probe (the
// others skip the route until the probe's outcome arrives, or the claim lapses: 10 s unless a
// probe starts, then the probe lease; RouteHealthTable::ProbeClaimed); if the store cannot
// be asked, the replica probes anyway (then at most one probe per replica). Failure counts stay
// per replica; a route the threshold opens on one replica is open for all.
//
// Ownership: the ServiceHost owns it (shared, so that timers and store callbacks hold it weakly);
// Stop before the store shuts down and before the table's other users go.
// Thread-safety: Publish from any thread (the router's); Start and Stop from the host's thread; the
// rest runs on the store thread and the scheduler's.
#ifndef FLOWHOST_SERVER_SERVICE_ROUTE_HEALTH_SHARING_H_
#define FLOWHOST_SERVER_SERVICE_ROUTE_HEALTH_SHARING_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "flowhost/sdk/logger.h"
#include "flowhost/sdk/scheduler.h"
#include "nodes/router/route_health.h"
#include "nodes/router/route_health_sharing.h"
#include "server/store/shared_route_health_store.h"

namespace flowhost::service {

class RouteHealthSharing : public nodes::router::RouteHealthPublisher,
                           public std::enable_shared_from_this<RouteHealthSharing> {
 public:
  struct Options {
    // How often the shared rows are read without a NOTIFY.
    absl::Duration poll_interval = absl::Milliseconds(500);
  };

  // Starts sharing `table` through `store` as `replica` (the store's owner name): reads every
  // shared row once (so a replica that starts during an outage learns it), then listens and polls.
  // `store`, `scheduler` and `logger` must outlive it.
  static std::shared_ptr<RouteHealthSharing> Start(
      std::shared_ptr<nodes::router::RouteHealthTable> table, store::SharedRouteHealthStore& store,
      std::string replica, sdk::Scheduler& scheduler, sdk::Logger& logger, Options options);

  // Stops publishing and reading; the table stays as it is (per process from then on).
  void Stop();

  void Publish(nodes::router::RouteHealthChange change) override;
  void ClaimProbe(std::string key, absl::Time now, absl::Duration lease) override;

 private:
  RouteHealthSharing(std::shared_ptr<nodes::router::RouteHealthTable> table,
                     store::SharedRouteHealthStore& store, std::string replica,
                     sdk::Scheduler& scheduler, sdk::Logger& logger, Options options)
      : table_(std::move(table)),
        store_(store),
        replica_(std::move(replica)),
        scheduler_(scheduler),
        logger_(logger),
        options_(options) {}

  // Reads what changed since the last read; one read at a time (one asked for meanwhile follows).
  void Read();
  void Merge(absl::StatusOr<store::SharedRoutePage> page);
  void ArmPoll();

  const std::shared_ptr<nodes::router::RouteHealthTable> table_;
  store::SharedRouteHealthStore& store_;
  const std::string replica_;
  sdk::Scheduler& scheduler_;
  sdk::Logger& logger_;
  const Options options_;

  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool read_again_ ABSL_GUARDED_BY(mu_) = false;
  // Rows changed after this (the database's clock) are read next; InfinitePast: all.
  absl::Time since_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  sdk::TimerId poll_timer_ ABSL_GUARDED_BY(mu_) = 0;
  bool warned_ ABSL_GUARDED_BY(mu_) = false;  // a failure was logged; the next success says so
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_ROUTE_HEALTH_SHARING_H_
