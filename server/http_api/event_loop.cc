#include "server/http_api/event_loop.h"

#include <event2/event.h>
#include <event2/thread.h>

#include <mutex>
#include <utility>

#include "server/common/thread_name.h"

namespace flowhost::http_api {

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create() {
  // event_active from other threads needs libevent's locking, switched on once per process before
  // the first base is made.
  static std::once_flag threads_on;
  std::call_once(threads_on, [] { evthread_use_pthreads(); });
  event_base* base = event_base_new();
  if (base == nullptr) return absl::InternalError("libevent cannot create an event base");
  std::unique_ptr<EventLoop> loop(new EventLoop(base, nullptr));
  event* wake = event_new(base, -1, 0, &EventLoop::OnWake, loop.get());
  if (wake == nullptr) return absl::InternalError("libevent cannot create an event");
  const_cast<event*&>(loop->wake_) = wake;
  return loop;
}

EventLoop::~EventLoop() {
  Stop();
  if (wake_ != nullptr) event_free(wake_);
  event_base_free(base_);
}

void EventLoop::Start(const std::string& thread_name) {
  thread_ = std::thread([this, thread_name] {
    NameCurrentThread(thread_name);
    event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
  });
}

void EventLoop::Post(Task task) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopped_) {
      posted_.push_back(std::move(task));
      if (woken_) return;
      woken_ = true;
      event_active(wake_, 0, 0);
      return;
    }
  }
  // Stopped: `task` is destroyed here, outside the lock (its destructor may post again).
}

void EventLoop::OnWake(int, short, void* self) { static_cast<EventLoop*>(self)->RunPosted(); }

void EventLoop::RunPosted() {
  std::vector<Task> tasks;
  bool stopped = false;
  {
    absl::MutexLock lock(&mu_);
    tasks.swap(posted_);
    woken_ = false;
    stopped = stopped_;
  }
  if (stopped) {
    // Stop woke the loop to end it (a loopbreak from another thread before the loop started
    // would be lost; this one runs inside the loop).
    event_base_loopbreak(base_);
    return;
  }
  for (Task& task : tasks) std::move(task)();
}

void EventLoop::Stop() {
  std::vector<Task> dropped;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    dropped.swap(posted_);
  }
  event_active(wake_, 0, 0);
  if (thread_.joinable()) thread_.join();
  dropped.clear();
}

}  // namespace flowhost::http_api
