#include "server/common/thread_pool_scheduler.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "server/common/clocks.h"
#include "server/common/contained_task.h"
#include "server/common/thread_name.h"

namespace flowhost::common {

namespace {

// The calling thread's place in a pool, when it is one of a pool's workers.
struct Worker {
  const ThreadPoolScheduler* pool = nullptr;
  sdk::Scheduler::Task next;  // the slot: runs on this thread after the current task
};

thread_local Worker* current_worker = nullptr;

}  // namespace

ThreadPoolScheduler::ThreadPoolScheduler(int threads, sdk::Logger* fault_log)
    : fault_log_(fault_log) {
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  workers_.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    workers_.emplace_back([this, i] {
      NameCurrentThread("fh-worker-" + std::to_string(i));
      WorkerLoop();
    });
  }
  timer_thread_ = std::thread([this] {
    NameCurrentThread("fh-timer");
    TimerLoop();
  });
}

ThreadPoolScheduler::~ThreadPoolScheduler() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  work_ready_.SignalAll();
  timer_wake_.Signal();
  timer_thread_.join();
  for (auto& worker : workers_) worker.join();
  // Timers that never fired are destroyed with the map; no thread is left to race with.
}

void ThreadPoolScheduler::Post(Task task) {
  Worker* worker = current_worker;
  if (worker != nullptr && worker->pool == this) {
    if (worker->next) Enqueue(std::move(worker->next));  // hold back one task at most
    worker->next = std::move(task);
    return;
  }
  Enqueue(std::move(task));
}

void ThreadPoolScheduler::Enqueue(Task task) {
  bool wake;
  {
    absl::MutexLock lock(&mu_);
    tasks_.push_back(std::move(task));
    wake = idle_workers_ > 0;
  }
  if (wake) work_ready_.Signal();
}

sdk::TimerId ThreadPoolScheduler::RunAt(absl::Time when, Task task) {
  bool earliest;
  sdk::TimerId id;
  {
    absl::MutexLock lock(&mu_);
    id = ++next_timer_id_;
    earliest = when < timer_wakes_at_;
    if (earliest) timer_wakes_at_ = when;
    timers_.emplace(std::make_pair(when, id), std::move(task));
    timer_due_.emplace(id, when);
  }
  if (earliest) timer_wake_.Signal();
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
  Worker self{this, nullptr};
  current_worker = &self;
  int next_in_a_row = 0;
  for (;;) {
    Task task;
    if (self.next && next_in_a_row < kMaxNextInARow) {
      task = std::move(self.next);
      ++next_in_a_row;
    } else {
      absl::MutexLock lock(&mu_);
      if (self.next) tasks_.push_back(std::move(self.next));  // fairness: behind the queue
      ++idle_workers_;
      while (tasks_.empty() && !stopping_) work_ready_.Wait(&mu_);
      --idle_workers_;
      if (tasks_.empty()) break;  // stopping, and the queue is drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
      next_in_a_row = 0;
    }
    RunTask(task);
  }
  current_worker = nullptr;
}

void ThreadPoolScheduler::RunTask(Task& task) {
  std::string fault = RunContainedTask(task);
  if (fault.empty()) return;
  constexpr const char* kMessage =
      "a task on the worker pool threw an exception (a bug in the node or callback that posted "
      "it); it was stopped and the pool carries on";
  if (fault_log_ != nullptr) {
    fault_log_->Log(sdk::LogLevel::kError, kMessage, {{"exception", fault}});
  } else {
    std::fprintf(stderr, "flowhost: %s: %s\n", kMessage, fault.c_str());
  }
}

void ThreadPoolScheduler::TimerLoop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    absl::Time now = absl::Now();
    int due = 0;
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
      auto node = timers_.extract(timers_.begin());
      timer_due_.erase(node.key().second);
      tasks_.push_back(std::move(node.mapped()));
      ++due;
    }
    for (int i = 0; i < std::min(due, idle_workers_); ++i) work_ready_.Signal();
    absl::Time next = now + kMaxTimerSleep;
    if (!timers_.empty()) next = std::min(next, timers_.begin()->first.first);
    timer_wakes_at_ = next;
    // Sleeps until the earliest timer is due, an earlier one is added (RunAt signals), or
    // shutdown. A spurious or early wake just goes round the loop again.
    timer_wake_.WaitWithDeadline(&mu_, next);
    timer_wakes_at_ = absl::InfinitePast();  // awake: RunAt needs no signal until it sleeps
  }
}

}  // namespace flowhost::common
