// The host's worker pool: a fixed number of threads (about one per core) that run every callback in the
// process, plus one timer thread that hands due timers to the pool. Sized at start-up, never grows with
// load: thousands of waiting executions cost memory, not threads.
//
// Hand-offs are what a request path pays most for on a small machine (a futex and a context switch
// each), so a task posted *by a task running on this pool* goes to that worker's one-task "next"
// slot: it runs on the same thread right after the current task returns (never inline), without
// the shared queue's lock or waking another thread. A second such post moves the earlier one to the
// shared queue, where an idle worker can take it, so a worker holds back at most one task; and after
// kMaxNextInARow slot tasks in a row the worker serves the shared queue first, so a chain of posts
// cannot starve it. Posts from other threads (gRPC's, the HTTP client's, the timer thread) go to
// the shared queue and wake a worker only when one is idle.
//
// A task that throws does not take its worker down: the exception is contained (contained_task.h),
// logged at error level on `fault_log` (stderr when none), and the worker goes on with the next task.
// What the task captured is destroyed on the way, so a node's completion it held ends the node's
// attempt with an INTERNAL error naming the node and the exception.
//
// Thread-safety: all methods are safe from any thread. Destruction stops the threads after running the
// tasks already queued; timers not yet due are dropped.
#ifndef FLOWHOST_SERVER_COMMON_THREAD_POOL_SCHEDULER_H_
#define FLOWHOST_SERVER_COMMON_THREAD_POOL_SCHEDULER_H_

#include <deque>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/logger.h"
#include "flowhost/sdk/scheduler.h"

namespace flowhost::common {

class ThreadPoolScheduler : public sdk::Scheduler {
 public:
  // `threads` 0 means std::thread::hardware_concurrency() (at least 1). `fault_log`, when set, must
  // outlive the pool.
  explicit ThreadPoolScheduler(int threads = 0, sdk::Logger* fault_log = nullptr);
  ~ThreadPoolScheduler() override;

  void Post(Task task) override;
  sdk::TimerId RunAt(absl::Time when, Task task) override;
  bool Cancel(sdk::TimerId id) override;
  const sdk::Clock& clock() const override;

  int thread_count() const { return static_cast<int>(workers_.size()); }
  // Tasks waiting in the shared queue (not timers, not the workers' next slots).
  size_t queued() const;

  // Slot tasks a worker runs in a row before it serves the shared queue again.
  static constexpr int kMaxNextInARow = 16;
  // The longest the timer thread sleeps, timers or not: a timer due later than its planned wake-up
  // never has to wake it.
  static constexpr absl::Duration kMaxTimerSleep = absl::Seconds(1);

 private:
  void WorkerLoop();
  void TimerLoop();
  // Appends to the shared queue and wakes an idle worker if there is one.
  void Enqueue(Task task);
  // Runs `task` on this worker, containing what it throws.
  void RunTask(Task& task);

  sdk::Logger* const fault_log_;

  mutable absl::Mutex mu_;
  absl::CondVar work_ready_;   // signalled when the shared queue gains a task and a worker idles
  absl::CondVar timer_wake_;   // signalled when an earlier timer is added, or on shutdown
  std::deque<Task> tasks_ ABSL_GUARDED_BY(mu_);
  int idle_workers_ ABSL_GUARDED_BY(mu_) = 0;
  // Timers by (due time, id) so the earliest is first; ids map back for Cancel.
  std::map<std::pair<absl::Time, sdk::TimerId>, Task> timers_ ABSL_GUARDED_BY(mu_);
  std::map<sdk::TimerId, absl::Time> timer_due_ ABSL_GUARDED_BY(mu_);
  sdk::TimerId next_timer_id_ ABSL_GUARDED_BY(mu_) = 0;
  // When the timer thread will next look at the timers, so that RunAt wakes it only for a timer
  // due earlier than that (most timers are deadlines far out that will be cancelled).
  absl::Time timer_wakes_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
  std::thread timer_thread_;
};

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_THREAD_POOL_SCHEDULER_H_
