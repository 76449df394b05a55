#include "nodes/router/route_health.h"

#include <algorithm>
#include <utility>

namespace flowhost::nodes::router {

std::string_view RouteStateName(RouteState state) {
  switch (state) {
    case RouteState::kClosed:
      return "closed";
    case RouteState::kOpen:
      return "open";
    case RouteState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

RouteHealthTable::Admission RouteHealthTable::Admit(std::string_view key, absl::Time now) {
  ProbeClaimRequest claim;
  Admission admission = AdmitLocked(key, now, claim);
  if (claim.publisher != nullptr) claim.publisher->ClaimProbe(std::string(key), now, claim.lease);
  return admission;
}

RouteHealthTable::Admission RouteHealthTable::AdmitLocked(std::string_view key, absl::Time now,
                                                          ProbeClaimRequest& claim) {
  absl::MutexLock lock(&mu_);
  auto it = routes_.find(key);
  Admission admission;
  if (it == routes_.end()) return admission;
  Route& route = it->second;
  route.last_used = now;
  if (route.state == RouteState::kOpen) {
    if (now < route.open_until) {
      admission.verdict = Admission::Verdict::kSkip;
      admission.state = RouteState::kOpen;
      admission.open_until = route.open_until;
      admission.opened_by = route.opened_by;
      admission.retry_after = route.retry_after;
      admission.opened_by_replica = route.opened_by_replica;
      return admission;
    }
    route.state = RouteState::kHalfOpen;
    route.probe_out = false;
  }
  if (route.state == RouteState::kHalfOpen) {
    admission.state = RouteState::kHalfOpen;
    admission.opened_by = route.opened_by;
    admission.opened_by_replica = route.opened_by_replica;
    if (!HoldsProbeClaim(route, now, claim)) {
      admission.verdict = Admission::Verdict::kSkip;
      admission.probe_elsewhere = true;
    } else if (!route.probe_out || now - route.probe_started >= probe_lease_) {
      route.probe_out = true;
      route.probe_started = now;
      admission.verdict = Admission::Verdict::kProbe;
      if (route.probe_claim == Route::ProbeClaim::kGranted) {
        // The probe starts: hold the cluster's claim for as long as a probe may take.
        route.probe_claim_until = now + probe_lease_;
        claim.publisher = publisher_;
        claim.lease = probe_lease_;
      }
    } else {
      admission.verdict = Admission::Verdict::kSkip;
    }
  }
  return admission;
}

void RouteHealthTable::RecordSuccess(std::string_view key, absl::Time now, bool probe) {
  std::optional<RouteHealthChange> change;
  std::shared_ptr<RouteHealthPublisher> publisher;
  {
    absl::MutexLock lock(&mu_);
    Route& route = Find(key, now);
    bool open_now = route.state == RouteState::kOpen && now < route.open_until;
    // An answer while half-open (the probe's, or a call admitted before the route opened) closes
    // it; not while a window that opened meanwhile (a Retry-After, another replica's) lasts.
    if (!open_now && (probe || route.state == RouteState::kHalfOpen)) {
      if (route.state != RouteState::kClosed) {
        change.emplace();
        change->key = std::string(key);
        change->kind = RouteHealthChange::Kind::kClosed;
        change->at = now;
        publisher = publisher_;
      }
      Close(route);
    }
    route.samples.push_back(Sample{now, false});
    Forget(route, now);
  }
  if (change.has_value() && publisher != nullptr) publisher->Publish(*std::move(change));
}

void RouteHealthTable::RecordFailure(std::string_view key, absl::Time now,
                                     const HealthPolicy& policy, std::string_view error_class,
                                     std::optional<absl::Duration> retry_after, bool counts,
                                     bool probe) {
  std::optional<RouteHealthChange> change;
  std::shared_ptr<RouteHealthPublisher> publisher;
  {
    absl::MutexLock lock(&mu_);
    std::optional<bool> opened =
        RecordFailureLocked(key, now, policy, error_class, retry_after, counts, probe);
    if (opened.value_or(false)) {
      Route& route = routes_.find(key)->second;
      change = Opened(key, route, now);
      publisher = publisher_;
      route.shared = publisher != nullptr;
    }
  }
  if (change.has_value() && publisher != nullptr) publisher->Publish(*std::move(change));
}

std::optional<bool> RouteHealthTable::RecordFailureLocked(std::string_view key, absl::Time now,
                                                          const HealthPolicy& policy,
                                                          std::string_view error_class,
                                                          std::optional<absl::Duration> retry_after,
                                                          bool counts, bool probe) {
  if (!counts) {
    auto it = routes_.find(key);
    if (probe && it != routes_.end()) it->second.probe_out = false;
    return std::nullopt;
  }
  Route& route = Find(key, now);
  route.window = policy.window;
  route.last_failure = now;
  route.samples.push_back(Sample{now, true});
  Forget(route, now);

  // The upstream said when to come back: nobody calls before then.
  if (retry_after.has_value() && *retry_after > absl::ZeroDuration()) {
    if (probe) ++route.failed_probes;
    return Open(route, now + *retry_after, error_class, /*retry_after=*/true);
  }
  if (probe || route.state == RouteState::kHalfOpen) {
    ++route.failed_probes;
    absl::Duration period = route.last_open_for == absl::ZeroDuration()
                                ? policy.open_for
                                : std::min(route.last_open_for * 2, policy.max_open_for);
    route.last_open_for = period;
    return Open(route, now + period, error_class, /*retry_after=*/false);
  }
  if (route.state == RouteState::kOpen) return false;  // a call that began before the route opened

  int calls = static_cast<int>(route.samples.size());
  int failures = static_cast<int>(std::count_if(route.samples.begin(), route.samples.end(),
                                                [](const Sample& s) { return s.failed; }));
  if (calls >= policy.min_calls &&
      static_cast<double>(failures) >= policy.failure_rate * static_cast<double>(calls)) {
    route.last_open_for = policy.open_for;
    return Open(route, now + policy.open_for, error_class, /*retry_after=*/false);
  }
  return false;
}

void RouteHealthTable::SetPublisher(std::shared_ptr<RouteHealthPublisher> publisher) {
  absl::MutexLock lock(&mu_);
  publisher_ = std::move(publisher);
}

void RouteHealthTable::ProbeClaimed(std::string_view key, bool granted, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = routes_.find(key);
  // The route opened or closed since the claim was made: the answer is about an older window.
  if (it == routes_.end() || it->second.probe_claim != Route::ProbeClaim::kPending) return;
  Route& route = it->second;
  route.probe_claim = granted ? Route::ProbeClaim::kGranted : Route::ProbeClaim::kElsewhere;
  route.probe_claim_until = now + (granted ? kProbeClaimLease : kProbeClaimRetry);
}

// Whether this process may probe `route` (half-open) now. Without sharing, always; with it, only
// while it holds the cluster's claim. Starts a claim (through `claimer`, after the lock) when
// there is none, or the last one has lapsed.
bool RouteHealthTable::HoldsProbeClaim(Route& route, absl::Time now, ProbeClaimRequest& claim) {
  if (!route.shared || publisher_ == nullptr) return true;
  if (route.probe_claim != Route::ProbeClaim::kNone && now < route.probe_claim_until) {
    return route.probe_claim == Route::ProbeClaim::kGranted;
  }
  route.probe_claim = Route::ProbeClaim::kPending;
  route.probe_claim_until = now + kProbeClaimTimeout;
  route.probe_out = false;
  claim.publisher = publisher_;
  claim.lease = kProbeClaimLease;
  return false;
}

void RouteHealthTable::ApplyShared(const RouteHealthChange& change, std::string_view replica,
                                   absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (change.kind == RouteHealthChange::Kind::kOpened) {
    if (change.open_until <= now) return;  // ended: nothing to keep anyone off
    Route& route = Find(change.key, now);
    if (!Open(route, change.open_until, change.opened_by, change.retry_after)) return;
    route.shared = true;
    route.opened_by_replica = std::string(replica);
    route.failed_probes = std::max(route.failed_probes, change.failed_probes);
    return;
  }
  auto it = routes_.find(change.key);
  if (it == routes_.end()) return;
  Route& route = it->second;
  if (route.state == RouteState::kClosed) return;
  if (route.state == RouteState::kOpen && now < route.open_until) return;  // a later window
  Close(route);
}

void RouteHealthTable::ReleaseProbe(std::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = routes_.find(key);
  if (it != routes_.end()) it->second.probe_out = false;
}

std::optional<absl::Time> RouteHealthTable::OpenUntil(std::string_view key, absl::Time now) const {
  absl::MutexLock lock(&mu_);
  auto it = routes_.find(key);
  if (it == routes_.end() || it->second.state != RouteState::kOpen ||
      it->second.open_until <= now) {
    return std::nullopt;
  }
  return it->second.open_until;
}

std::vector<RouteHealthTable::Snapshot> RouteHealthTable::List(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  std::vector<Snapshot> out;
  out.reserve(routes_.size());
  for (const auto& [key, route] : routes_) {
    Snapshot snapshot;
    snapshot.key = key;
    snapshot.state = route.state == RouteState::kOpen && route.open_until <= now
                         ? RouteState::kHalfOpen
                         : route.state;
    for (const Sample& sample : route.samples) {
      if (sample.at <= now - route.window) continue;
      ++snapshot.calls;
      if (sample.failed) ++snapshot.failures;
    }
    if (snapshot.state == RouteState::kOpen) snapshot.open_until = route.open_until;
    if (snapshot.state != RouteState::kClosed) {
      snapshot.opened_by = route.opened_by;
      snapshot.retry_after = route.retry_after;
      snapshot.opened_by_replica = route.opened_by_replica;
    }
    snapshot.failed_probes = route.failed_probes;
    snapshot.last_failure = route.last_failure;
    out.push_back(std::move(snapshot));
  }
  return out;
}

void RouteHealthTable::Clear() {
  absl::MutexLock lock(&mu_);
  routes_.clear();
}

size_t RouteHealthTable::size() const {
  absl::MutexLock lock(&mu_);
  return routes_.size();
}

RouteHealthTable::Route& RouteHealthTable::Find(std::string_view key, absl::Time now) {
  auto it = routes_.find(key);
  if (it == routes_.end()) {
    if (routes_.size() >= max_routes_ && !routes_.empty()) {
      // Drop the least recently used route, closed ones first: an open route is what keeps
      // executions off a failing upstream.
      auto victim = routes_.begin();
      for (auto candidate = routes_.begin(); candidate != routes_.end(); ++candidate) {
        bool candidate_closed = candidate->second.state == RouteState::kClosed;
        bool victim_closed = victim->second.state == RouteState::kClosed;
        if (candidate_closed != victim_closed) {
          if (candidate_closed) victim = candidate;
          continue;
        }
        if (candidate->second.last_used < victim->second.last_used) victim = candidate;
      }
      routes_.erase(victim);
    }
    it = routes_.emplace(std::string(key), Route{}).first;
  }
  it->second.last_used = now;
  return it->second;
}

// Drops samples older than the window, and the oldest beyond the bound.
void RouteHealthTable::Forget(Route& route, absl::Time now) {
  while (!route.samples.empty() &&
         (route.samples.front().at <= now - route.window || route.samples.size() > kMaxSamples)) {
    route.samples.pop_front();
  }
}

bool RouteHealthTable::Open(Route& route, absl::Time until, std::string_view error_class,
                            bool retry_after) {
  if (route.state == RouteState::kOpen && route.open_until >= until) {
    route.probe_out = false;
    return false;
  }
  route.state = RouteState::kOpen;
  route.open_until = until;
  route.opened_by = std::string(error_class);
  route.retry_after = retry_after;
  route.opened_by_replica.clear();
  route.shared = false;
  route.probe_claim = Route::ProbeClaim::kNone;
  route.probe_out = false;
  return true;
}

void RouteHealthTable::Close(Route& route) {
  route.state = RouteState::kClosed;
  route.samples.clear();
  route.failed_probes = 0;
  route.last_open_for = absl::ZeroDuration();
  route.opened_by.clear();
  route.retry_after = false;
  route.opened_by_replica.clear();
  route.shared = false;
  route.probe_claim = Route::ProbeClaim::kNone;
  route.probe_out = false;
}

RouteHealthChange RouteHealthTable::Opened(std::string_view key, const Route& route,
                                           absl::Time now) {
  RouteHealthChange change;
  change.key = std::string(key);
  change.kind = RouteHealthChange::Kind::kOpened;
  change.open_until = route.open_until;
  change.opened_by = route.opened_by;
  change.retry_after = route.retry_after;
  change.failed_probes = route.failed_probes;
  change.at = now;
  return change;
}

}  // namespace flowhost::nodes::router
