#include "server/service/route_health_sharing.h"

#include <utility>

namespace flowhost::service {
namespace {

using nodes::router::RouteHealthChange;

// A read asks for the rows changed since a little before the last read's time: a transaction
// that took its updated_at before that read but committed after it is still seen.
constexpr absl::Duration kReadOverlap = absl::Seconds(2);

}  // namespace

std::shared_ptr<RouteHealthSharing> RouteHealthSharing::Start(
    std::shared_ptr<nodes::router::RouteHealthTable> table, store::SharedRouteHealthStore& store,
    std::string replica, sdk::Scheduler& scheduler, sdk::Logger& logger, Options options) {
  std::shared_ptr<RouteHealthSharing> sharing(new RouteHealthSharing(
      std::move(table), store, std::move(replica), scheduler, logger, options));
  std::weak_ptr<RouteHealthSharing> weak = sharing;
  store.SetSharedRouteListener([weak] {
    if (std::shared_ptr<RouteHealthSharing> self = weak.lock()) self->Read();
  });
  sharing->table_->SetPublisher(sharing);
  sharing->Read();
  sharing->ArmPoll();
  logger.Log(sdk::LogLevel::kInfo, "route health is shared through the execution store",
             {{"replica", sharing->replica_},
              {"poll_interval_ms", absl::ToInt64Milliseconds(options.poll_interval)}});
  return sharing;
}

void RouteHealthSharing::Stop() {
  sdk::TimerId timer = 0;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    timer = poll_timer_;
    poll_timer_ = 0;
  }
  table_->SetPublisher(nullptr);
  store_.SetSharedRouteListener(nullptr);
  if (timer != 0) scheduler_.Cancel(timer);
}

void RouteHealthSharing::Publish(RouteHealthChange change) {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
  }
  store::SharedRouteRecord record;
  record.route = std::move(change.key);
  record.open = change.kind == RouteHealthChange::Kind::kOpened;
  record.open_until = change.open_until;
  record.opened_by = std::move(change.opened_by);
  record.retry_after = change.retry_after;
  record.failed_probes = change.failed_probes;
  record.replica = replica_;
  record.at = change.at;
  std::string route = record.route;
  absl::Status queued = store_.PublishSharedRoute(
      std::move(record), [weak = weak_from_this(), route](absl::Status status) {
        std::shared_ptr<RouteHealthSharing> self = weak.lock();
        if (self == nullptr || status.ok()) return;
        self->logger_.Log(sdk::LogLevel::kWarning,
                          "a route health change was not shared with the other replicas",
                          {{"route", route}, {"error", std::string(status.message())}});
      });
  if (!queued.ok()) {
    logger_.Log(sdk::LogLevel::kWarning,
                "a route health change was not shared with the other replicas",
                {{"route", route}, {"error", std::string(queued.message())}});
  }
}

void RouteHealthSharing::ClaimProbe(std::string key, absl::Time now, absl::Duration lease) {
  bool stopped;
  {
    absl::MutexLock lock(&mu_);
    stopped = stopped_;
  }
  if (stopped) return table_->ProbeClaimed(key, /*granted=*/true, now);
  absl::Status queued = store_.ClaimSharedProbe(
      key, replica_, now, now + lease,
      [weak = weak_from_this(), key](absl::StatusOr<bool> granted) {
        std::shared_ptr<RouteHealthSharing> self = weak.lock();
        if (self == nullptr) return;
        // No answer from the store: probe here rather than leave the route unprobed.
        self->table_->ProbeClaimed(key, !granted.ok() || *granted, self->scheduler_.clock().Now());
      });
  if (!queued.ok()) table_->ProbeClaimed(key, /*granted=*/true, now);
}

void RouteHealthSharing::Read() {
  absl::Time since;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    if (reading_) {
      read_again_ = true;
      return;
    }
    reading_ = true;
    since = since_;
  }
  absl::Status queued = store_.ReadSharedRoutes(
      since, [weak = weak_from_this()](absl::StatusOr<store::SharedRoutePage> page) {
        if (std::shared_ptr<RouteHealthSharing> self = weak.lock()) self->Merge(std::move(page));
      });
  if (!queued.ok()) Merge(queued);
}

void RouteHealthSharing::Merge(absl::StatusOr<store::SharedRoutePage> page) {
  if (page.ok()) {
    const absl::Time now = scheduler_.clock().Now();
    for (const store::SharedRouteRecord& record : page->routes) {
      if (record.replica == replica_) continue;  // this replica's own: already in the table
      RouteHealthChange change;
      change.key = record.route;
      change.kind =
          record.open ? RouteHealthChange::Kind::kOpened : RouteHealthChange::Kind::kClosed;
      change.open_until = record.open_until;
      change.opened_by = record.opened_by;
      change.retry_after = record.retry_after;
      change.failed_probes = record.failed_probes;
      change.at = record.at;
      table_->ApplyShared(change, record.replica, now);
    }
  }
  bool again = false;
  bool log_failure = false;
  bool log_recovery = false;
  {
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (page.ok()) {
      since_ = page->read_at - kReadOverlap;
      log_recovery = warned_;
      warned_ = false;
    } else {
      log_failure = !warned_;
      warned_ = true;
    }
    again = read_again_ && !stopped_;
    read_again_ = false;
  }
  if (log_failure) {
    logger_.Log(sdk::LogLevel::kWarning,
                "cannot read the route health other replicas shared; this replica keeps its own "
                "until the store answers again",
                {{"error", std::string(page.status().message())}});
  }
  if (log_recovery) {
    logger_.Log(sdk::LogLevel::kInfo, "reading the route health other replicas shared again");
  }
  // A NOTIFY that came while reading may announce a row written after the read: read again.
  if (again) Read();
}

void RouteHealthSharing::ArmPoll() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  poll_timer_ = scheduler_.RunAfter(options_.poll_interval, [weak = weak_from_this()] {
    std::shared_ptr<RouteHealthSharing> self = weak.lock();
    if (self == nullptr) return;
    self->Read();
    self->ArmPoll();
  });
}

}  // namespace flowhost::service
