// The host's worker pool: a fixed number of threads (about one per core) that run every callback in the
// process, plus one timer thread that hands due timers to the pool. Sized at start-up, never grows with
// load: thousands of waiting executions cost memory, not threads.
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
#include "flowhost/sdk/scheduler.h"

namespace flowhost::common {

class ThreadPoolScheduler : public sdk::Scheduler {
 public:
  // `threads` 0 means std::thread::hardware_concurrency() (at least 1).
  explicit ThreadPoolScheduler(int threads = 0);
  ~ThreadPoolScheduler() override;

  void Post(Task task) override;
  sdk::TimerId RunAt(absl::Time when, Task task) override;
  bool Cancel(sdk::TimerId id) override;
  const sdk::Clock& clock() const override;

  int thread_count() const { return static_cast<int>(workers_.size()); }
  // Tasks waiting for a worker (not timers).
  size_t queued() const;

 private:
  void WorkerLoop();
  void TimerLoop();

  mutable absl::Mutex mu_;
  std::deque<Task> tasks_ ABSL_GUARDED_BY(mu_);
  // Timers by (due time, id) so the earliest is first; ids map back for Cancel.
  std::map<std::pair<absl::Time, sdk::TimerId>, Task> timers_ ABSL_GUARDED_BY(mu_);
  std::map<sdk::TimerId, absl::Time> timer_due_ ABSL_GUARDED_BY(mu_);
  sdk::TimerId next_timer_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool timer_rescan_ ABSL_GUARDED_BY(mu_) = false;  // an earlier timer was added
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
  std::thread timer_thread_;
};

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_THREAD_POOL_SCHEDULER_H_
