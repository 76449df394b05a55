#include "server/common/manual_scheduler.h"

#include "server/common/contained_task.h"

namespace flowhost::common {

void ManualScheduler::Post(Task task) {
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(task));
}

sdk::TimerId ManualScheduler::RunAt(absl::Time when, Task task) {
  absl::MutexLock lock(&mu_);
  sdk::TimerId id = ++next_timer_id_;
  timers_.emplace(std::make_pair(when, id), std::move(task));
  timer_due_.emplace(id, when);
  return id;
}

bool ManualScheduler::Cancel(sdk::TimerId id) {
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
  return true;  // `doomed` is destroyed outside the lock
}

bool ManualScheduler::RunOne() {
  Task task;
  {
    absl::MutexLock lock(&mu_);
    absl::Time now = clock_->Now();
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
      auto node = timers_.extract(timers_.begin());
      timer_due_.erase(node.key().second);
      tasks_.push_back(std::move(node.mapped()));
    }
    if (tasks_.empty()) return false;
    task = std::move(tasks_.front());
    tasks_.pop_front();
  }
  std::string fault = RunContainedTask(task);
  if (!fault.empty()) {
    absl::MutexLock lock(&mu_);
    faults_.push_back(std::move(fault));
  }
  return true;
}

std::vector<std::string> ManualScheduler::faults() const {
  absl::MutexLock lock(&mu_);
  return faults_;
}

int ManualScheduler::RunUntilIdle() {
  int ran = 0;
  while (RunOne()) ++ran;
  return ran;
}

int ManualScheduler::AdvanceBy(absl::Duration delta) {
  absl::Time end = clock_->Now() + delta;
  int ran = RunUntilIdle();
  for (;;) {
    absl::Time next;
    {
      absl::MutexLock lock(&mu_);
      if (timers_.empty() || timers_.begin()->first.first > end) break;
      next = timers_.begin()->first.first;
    }
    if (next > clock_->Now()) clock_->Set(next);
    ran += RunUntilIdle();
  }
  clock_->Set(end);
  ran += RunUntilIdle();
  return ran;
}

bool ManualScheduler::AdvanceToNextTimer() {
  absl::Time next;
  {
    absl::MutexLock lock(&mu_);
    if (timers_.empty()) return false;
    next = timers_.begin()->first.first;
  }
  if (next > clock_->Now()) clock_->Set(next);
  RunUntilIdle();
  return true;
}

size_t ManualScheduler::pending_timers() const {
  absl::MutexLock lock(&mu_);
  return timers_.size();
}

}  // namespace flowhost::common
