#include "server/store/store_core.h"

#include <unistd.h>

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "server/common/clocks.h"
#include "server/common/thread_name.h"

namespace flowhost::store {

std::string DefaultOwnerName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device random;
  return absl::StrFormat("%s-%d-%08x", host[0] ? host : "flowhost", getpid(), random());
}

StoreCore::StoreCore(StoreOptions options, std::string what)
    : options_(std::move(options)),
      what_(std::move(what)),
      owner_(options_.owner.empty() ? DefaultOwnerName() : options_.owner),
      clock_(options_.clock != nullptr ? options_.clock : &common::RealClock::Get()),
      queue_(options_.max_queued_operations, what_) {}

StoreCore::~StoreCore() {
  // A backend calls Shutdown in its own destructor, while its members still exist; this one is a
  // last resort.
  Shutdown();
}

void StoreCore::StartThread(std::string thread_name) {
  thread_ = std::thread([this, name = std::move(thread_name)] {
    NameCurrentThread(name);
    Loop();
  });
}

void StoreCore::Shutdown() {
  if (shut_down_.exchange(true)) return;
  queue_.Close();
  if (thread_.joinable()) thread_.join();
}

absl::Status StoreCore::Queue(Operation&& op) {
  {
    absl::MutexLock lock(&health_mu_);
    if (!health_.ok()) return health_;
  }
  return queue_.Push(std::move(op));
}

std::string StoreCore::NewExecutionId() {
  // Time-ordered (milliseconds since the epoch first), so ids sort roughly by creation, unique by
  // the owner's random suffix and a counter.
  static thread_local std::mt19937_64 random(std::random_device{}());
  uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(Now()));
  uint64_t counter = id_counter_.fetch_add(1, std::memory_order_relaxed);
  return absl::StrFormat("%012x%06x%010x", ms, counter & 0xffffff, random() & 0xffffffffffULL);
}

absl::Status StoreCore::CreateExecution(NewExecution execution, Callback<CreatedExecution> done) {
  if (execution.workflow.empty()) {
    return absl::InvalidArgumentError("CreateExecution: the workflow name is empty");
  }
  return Queue(CreateOp{std::move(execution), std::move(done)});
}

absl::Status StoreCore::RecordNode(const Fence& fence, NodeUpdate update, DoneCallback done) {
  if (update.row.name.empty())
    return absl::InvalidArgumentError("RecordNode: the node name is empty");
  return Queue(NodeOp{fence, std::move(update), std::move(done)});
}

absl::Status StoreCore::AppendEvent(const Fence& fence, EventRow event, DoneCallback done) {
  if (event.sequence <= 0) {
    return absl::InvalidArgumentError("AppendEvent: sequence numbers start at 1, got " +
                                      std::to_string(event.sequence));
  }
  if (event.at == absl::InfinitePast()) event.at = Now();
  return Queue(EventOp{fence, std::move(event), std::move(done)});
}

absl::Status StoreCore::SetTimer(const Fence& fence, TimerRow timer, DoneCallback done) {
  if (timer.node.empty()) return absl::InvalidArgumentError("SetTimer: the node name is empty");
  return Queue(TimerOp{fence, std::move(timer), false, std::move(done)});
}

absl::Status StoreCore::ClearTimer(const Fence& fence, std::string node, DoneCallback done) {
  return Queue(
      TimerOp{fence, TimerRow{std::move(node), absl::InfinitePast()}, true, std::move(done)});
}

absl::Status StoreCore::ParkExecution(const Fence& fence, absl::Time wake_at, DoneCallback done) {
  return Queue(ParkOp{fence, wake_at, std::move(done)});
}

absl::Status StoreCore::ReleaseExecution(const Fence& fence, DoneCallback done) {
  return Queue(ReleaseOp{fence, std::move(done)});
}

absl::Status StoreCore::RequeueExecution(const Fence& fence, DoneCallback done) {
  return Queue(ReleaseOp{fence, std::move(done), /*requeue=*/true});
}

absl::Status StoreCore::FinishExecution(const Fence& fence, ExecutionOutcome outcome,
                                        DoneCallback done) {
  if (!IsFinal(outcome.status)) {
    return absl::InvalidArgumentError(
        "FinishExecution: status must be succeeded, failed or cancelled, got " +
        std::string(ExecutionStatusName(outcome.status)));
  }
  return Queue(FinishOp{fence, std::move(outcome), std::move(done)});
}

absl::Status StoreCore::RequestCancel(std::string id, Callback<ExecutionStatus> done) {
  return Queue(CancelOp{std::move(id), std::move(done)});
}

absl::Status StoreCore::ClaimExecutions(int max, Callback<std::vector<Claim>> done) {
  if (max < 1) return absl::InvalidArgumentError("ClaimExecutions: max must be at least 1");
  return Queue(ClaimOp{max, std::move(done)});
}

absl::Status StoreCore::RenewLeases(std::vector<Fence> fences, Callback<RenewResult> done) {
  return Queue(RenewOp{std::move(fences), std::move(done)});
}

absl::Status StoreCore::GetExecution(std::string id, GetOptions options,
                                     Callback<ExecutionDetail> done) {
  return Queue(GetOp{std::move(id), options, std::move(done)});
}

absl::Status StoreCore::ListExecutions(ListQuery query, Callback<ExecutionPage> done) {
  if (query.page_size < 1 || query.page_size > 1000) {
    return absl::InvalidArgumentError("ListExecutions: page_size must be within 1..1000, got " +
                                      std::to_string(query.page_size));
  }
  return Queue(ListOp{std::move(query), std::move(done)});
}

absl::Status StoreCore::ReadEvents(std::string id, int64_t first_sequence, int max_events,
                                   Callback<std::vector<EventRow>> done) {
  if (max_events < 1)
    return absl::InvalidArgumentError("ReadEvents: max_events must be at least 1");
  return Queue(EventsOp{std::move(id), first_sequence, max_events, std::move(done)});
}

absl::Status StoreCore::Prune(Callback<PruneResult> done) {
  return Queue(PruneOp{std::move(done)});
}

void StoreCore::SetWorkListener(absl::AnyInvocable<void()> listener) {
  absl::MutexLock lock(&listeners_mu_);
  work_listener_ = std::move(listener);
}

void StoreCore::SetCancelListener(absl::AnyInvocable<void(const std::string& id)> listener) {
  absl::MutexLock lock(&listeners_mu_);
  cancel_listener_ = std::move(listener);
}

void StoreCore::SetHealthListener(absl::AnyInvocable<void(const absl::Status&)> listener) {
  absl::MutexLock lock(&listeners_mu_);
  health_listener_ = std::move(listener);
}

absl::Status StoreCore::Health() const {
  absl::MutexLock lock(&health_mu_);
  return health_;
}

StoreStats StoreCore::Stats() const {
  StoreStats stats;
  stats.queued = queue_.size();
  stats.committed_writes = committed_writes_.load(std::memory_order_relaxed);
  stats.batches = batches_.load(std::memory_order_relaxed);
  stats.failed_writes = failed_writes_.load(std::memory_order_relaxed);
  stats.refused_full = queue_.refused_full();
  return stats;
}

void StoreCore::SetHealth(absl::Status status) {
  {
    absl::MutexLock lock(&health_mu_);
    if (health_ == status) return;
    health_ = status;
  }
  absl::MutexLock lock(&listeners_mu_);
  if (health_listener_) health_listener_(status);
}

void StoreCore::NotifyWork() {
  absl::MutexLock lock(&listeners_mu_);
  if (work_listener_) work_listener_();
}

void StoreCore::NotifyCancel(const std::string& id) {
  absl::MutexLock lock(&listeners_mu_);
  if (cancel_listener_) cancel_listener_(id);
}

void StoreCore::CountCommitted(int64_t writes) {
  committed_writes_.fetch_add(writes, std::memory_order_relaxed);
  batches_.fetch_add(1, std::memory_order_relaxed);
}

void StoreCore::CountFailed(int64_t writes) {
  failed_writes_.fetch_add(writes, std::memory_order_relaxed);
}

void StoreCore::RunBatch(std::vector<Operation>& batch) {
  size_t start = 0;
  while (start < batch.size()) {
    if (IsRead(batch[start])) {
      ExecuteRead(batch[start]);
      ++start;
      continue;
    }
    // A run of writes, at most max_batch_operations of them in one transaction.
    size_t end = start;
    size_t limit = start + static_cast<size_t>(std::max(1, options_.max_batch_operations));
    while (end < batch.size() && end < limit && !IsRead(batch[end])) ++end;
    ExecuteWrites(std::span<Operation>(batch.data() + start, end - start));
    start = end;
  }
}

void StoreCore::Loop() {
  absl::Time next_prune = absl::Now() + options_.prune_interval;
  absl::Time next_poll = absl::Now() + options_.poll_interval;
  std::vector<Operation> batch;
  std::vector<pollfd> fds;
  const absl::Duration commit_interval = CommitInterval();
  absl::Time last_batch = absl::InfinitePast();
  for (;;) {
    batch.clear();
    if (commit_interval > absl::ZeroDuration() && !queue_.closed()) {
      // Group commit: let writes gather until the interval since the last batch has passed, or
      // a transaction's worth is queued.
      absl::Duration wait = last_batch + commit_interval - absl::Now();
      if (wait > absl::ZeroDuration() &&
          queue_.size() < static_cast<int64_t>(std::max(1, options_.max_batch_operations))) {
        absl::SleepFor(wait);
      }
    }
    if (CanTakeMore()) queue_.TakeAll(batch);
    if (!batch.empty()) {
      last_batch = absl::Now();
      RunBatch(batch);
    }

    absl::Time now = absl::Now();
    if (now >= next_prune) {
      next_prune = now + options_.prune_interval;
      std::vector<Operation> prune;
      prune.emplace_back(PruneOp{});
      RunBatch(prune);
    }
    if (now >= next_poll) {
      next_poll = now + options_.poll_interval;
      NotifyWork();
    }
    if (queue_.closed() && queue_.size() == 0 && !Busy()) break;

    fds.clear();
    fds.push_back(pollfd{queue_.wake_fd(), POLLIN, 0});
    AddPollFds(fds);
    absl::Time until = std::min({next_prune, next_poll, NextBackendDeadline()});
    absl::Duration left = std::max(absl::ZeroDuration(), until - absl::Now());
    int timeout_ms = 0;  // after a batch: look at the sockets, then take what came meanwhile
    bool waited = false;
    if (batch.empty()) {
      if (queue_.PrepareToWait()) {
        waited = true;  // a push from now on writes the eventfd
        timeout_ms = static_cast<int>(
            absl::ToInt64Milliseconds(std::min(left + absl::Milliseconds(1), absl::Seconds(60))));
      } else if (!CanTakeMore() || queue_.closed()) {
        // Operations wait for the backend (a full pipeline), or the store is shutting down
        // while the backend finishes: only its sockets can make progress.
        timeout_ms = static_cast<int>(
            absl::ToInt64Milliseconds(std::min(left + absl::Milliseconds(1), absl::Seconds(1))));
      }
    }
    if (fds.size() > 1 || waited) ::poll(fds.data(), fds.size(), timeout_ms);
    if (waited) queue_.DoneWaiting();
    HandlePollFds(std::span<const pollfd>(fds.data() + 1, fds.size() - 1));
  }
}

}  // namespace flowhost::store
