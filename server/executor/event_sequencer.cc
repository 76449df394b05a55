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
  for (;;) {
    Event event;
    {
      absl::MutexLock lock(&mu_);
      if (events_.empty()) {
        draining_ = false;
        return;
      }
      event = std::move(events_.front());
      events_.pop_front();
    }
    std::move(event)();
  }
}

}  // namespace flowhost::executor
