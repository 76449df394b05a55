// Delivers one execution's observer events in order and one at a time, without holding the
// execution's state lock while an observer runs (an observer may call back, e.g. to cancel).
//
// Events are queued with Push (cheap; allowed under other locks) and run by Drain, which must be
// called with no lock held: the first thread to drain runs every queued event, including ones
// queued by other threads meanwhile; the others return at once. So no two events ever run
// concurrently, and each runs after every event queued before it.
//
// Thread-safety: Push and Drain may be called from any thread.
#ifndef FLOWHOST_SERVER_EXECUTOR_EVENT_SEQUENCER_H_
#define FLOWHOST_SERVER_EXECUTOR_EVENT_SEQUENCER_H_

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace flowhost::executor {

class EventSequencer {
 public:
  using Event = absl::AnyInvocable<void() &&>;

  void Push(Event event);
  void Drain();

 private:
  absl::Mutex mu_;
  // A vector, not a deque: an execution's sequencer is mostly empty, and an empty std::deque
  // already holds ~600 bytes on the heap (10,000 executions in flight hold 10,000 of them).
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_EVENT_SEQUENCER_H_
