#include "server/common/thread_pool_scheduler.h"

#include <algorithm>

#include "server/common/clocks.h"

namespace flowhost::common {

ThreadPoolScheduler::ThreadPoolScheduler(int threads) {
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  workers_.reserve(threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  timer_thread_ = std::thread([this] { TimerLoop(); });
}

ThreadPoolScheduler::~ThreadPoolScheduler() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  timer_thread_.join();
  for (auto& worker : workers_) worker.join();
  // Timers that never fired are destroyed with the map; no thread is left to race with.
}

void ThreadPoolScheduler::Post(Task task) {
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(task));
}

sdk::TimerId ThreadPoolScheduler::RunAt(absl::Time when, Task task) {
  absl::MutexLock lock(&mu_);
  sdk::TimerId id = ++next_timer_id_;
  if (timers_.empty() || when < timers_.begin()->first.first) timer_rescan_ = true;
  timers_.emplace(std::make_pair(when, id), std::move(task));
  timer_due_.emplace(id, when);
  return id;
}

bool ThreadPoolScheduler::Cancel(sdk::TimerId id) {
  Task doomed;
  {
    absl::MutexLock lock(&mu_);
    auto due = timer_due_.find(id);
    if (due == timer_due_.end()) return false;
    auto it = timers_.find(std::make_pair(due->second, id));
    doomed = std::move(it->second);
    timers_.erase(it);
    timer_due_.erase(due);
  }
  return true;  // `doomed` (and what it captured) is destroyed outside the lock
}

const sdk::Clock& ThreadPoolScheduler::clock() const { return RealClock::Get(); }

size_t ThreadPoolScheduler::queued() const {
  absl::MutexLock lock(&mu_);
  return tasks_.size();
}

void ThreadPoolScheduler::WorkerLoop() {
  for (;;) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ThreadPoolScheduler* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return self->stopping_ || !self->tasks_.empty();
          },
          this));
      if (tasks_.empty()) return;  // stopping, and the queue is drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

void ThreadPoolScheduler::TimerLoop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    absl::Time now = absl::Now();
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
      auto node = timers_.extract(timers_.begin());
      timer_due_.erase(node.key().second);
      tasks_.push_back(std::move(node.mapped()));
    }
    absl::Time next = timers_.empty() ? absl::InfiniteFuture() : timers_.begin()->first.first;
    timer_rescan_ = false;
    // Sleep until the earliest timer is due, an earlier one is added (RunAt sets timer_rescan_), or
    // shutdown.
    mu_.AwaitWithDeadline(absl::Condition(
                              +[](ThreadPoolScheduler* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                return self->stopping_ || self->timer_rescan_;
                              },
                              this),
                          next);
  }
}

}  // namespace flowhost::common
