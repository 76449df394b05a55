// A deterministic Scheduler for tests: nothing runs until the test says so, on the test's own thread,
// and time only moves when the test advances the ManualClock. Back-off delays, timeouts and `wait` nodes
// are then tested exactly and instantly.
//
// A task that throws is contained as on the worker pool (contained_task.h): the exception's
// description is kept in faults() and the next task runs.
//
// Thread-safety: Post/RunAt/Cancel may be called from any thread (tasks queued by other threads, such as
// the HTTP client's, are run at the next RunUntilIdle). Run* must be called from one thread.
#ifndef FLOWHOST_SERVER_COMMON_MANUAL_SCHEDULER_H_
#define FLOWHOST_SERVER_COMMON_MANUAL_SCHEDULER_H_

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/scheduler.h"
#include "server/common/clocks.h"

namespace flowhost::common {

class ManualScheduler : public sdk::Scheduler {
 public:
  explicit ManualScheduler(ManualClock* clock) : clock_(clock) {}

  void Post(Task task) override;
  sdk::TimerId RunAt(absl::Time when, Task task) override;
  bool Cancel(sdk::TimerId id) override;
  const sdk::Clock& clock() const override { return *clock_; }

  // Runs queued tasks (and timers already due) until none is left. Returns how many ran.
  int RunUntilIdle();

  // Advances the clock to each pending timer in turn, up to `delta` in all, running everything that
  // becomes due. The clock ends exactly `delta` later.
  int AdvanceBy(absl::Duration delta);

  // Advances straight to the next timer (if any) and runs until idle. Returns false when there is none.
  bool AdvanceToNextTimer();

  size_t pending_timers() const;

  // What the tasks that threw threw, in order ("std::runtime_error: boom").
  std::vector<std::string> faults() const;

 private:
  bool RunOne();

  ManualClock* clock_;
  mutable absl::Mutex mu_;
  std::deque<Task> tasks_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<absl::Time, sdk::TimerId>, Task> timers_ ABSL_GUARDED_BY(mu_);
  std::map<sdk::TimerId, absl::Time> timer_due_ ABSL_GUARDED_BY(mu_);
  sdk::TimerId next_timer_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> faults_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_MANUAL_SCHEDULER_H_
