#include "server/executor/event_sequencer.h"

#include <utility>

namespace flowhost::executor {

void EventSequencer::Push(Event event) {
  absl::MutexLock lock(&mu_);
  events_.push_back(std::move(event));
}

void EventSequencer::Drain() {
  {
    absl::MutexLock lock(&mu_);
    if (draining_) return;
    draining_ = true;
  }
  // Takes the queued events a batch at a time, so an event pushed while a batch runs waits for
  // the rest of that batch.
  std::vector<Event> batch;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (events_.empty()) {
        draining_ = false;
        return;
      }
      batch.swap(events_);
    }
    for (Event& event : batch) std::move(event)();
    batch.clear();
  }
}

}  // namespace flowhost::executor
