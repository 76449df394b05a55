// The host's clock and its small fixed pool of worker threads, as seen by nodes.
//
// Nothing in flowhost blocks a thread to wait: work that waits for time (a back-off, a `wait` node, a
// deadline) registers a timer here, and work that waits for I/O registers a callback with the HTTP
// client; both continue on this pool. Tests substitute a manual clock and scheduler so timing is tested
// without sleeping.
//
// Thread-safety: every method may be called from any thread, including from inside a task.
#ifndef FLOWHOST_SDK_SCHEDULER_H_
#define FLOWHOST_SDK_SCHEDULER_H_

#include <cstdint>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace flowhost::sdk {

// A source of the current time. The host's real clock is absl::Now(); tests inject a manual one.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// Identifies a timer registered with Scheduler::RunAt. 0 is never a valid id.
using TimerId = uint64_t;

class Scheduler {
 public:
  using Task = absl::AnyInvocable<void()>;

  virtual ~Scheduler() = default;

  // Runs `task` soon on a worker thread. Never runs it inline.
  virtual void Post(Task task) = 0;

  // Runs `task` on a worker thread once the clock reaches `when` (at once if it already has).
  virtual TimerId RunAt(absl::Time when, Task task) = 0;

  // Runs `task` after `delay` on this scheduler's clock.
  TimerId RunAfter(absl::Duration delay, Task task) {
    return RunAt(clock().Now() + delay, std::move(task));
  }

  // Cancels a timer that has not started. Returns true if the task will not run (it is destroyed);
  // false if it already ran, is running, or the id is unknown.
  virtual bool Cancel(TimerId id) = 0;

  // The clock timers are measured against.
  virtual const Clock& clock() const = 0;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_SCHEDULER_H_
