// One libevent event loop on its own thread: the thread every HTTP connection of the HTTP/JSON
// listener is served on. Other threads (gRPC's completion callbacks) hand work to it with Post.
//
// Ownership: owns the event_base and the thread. Objects registered on the base must be freed
// before the EventLoop (after Stop). Thread-safety: Post from any thread; Start and Stop from one
// controlling thread; base() is for code running on the loop thread (and for set-up before Start).
#ifndef FLOWHOST_SERVER_HTTP_API_EVENT_LOOP_H_
#define FLOWHOST_SERVER_HTTP_API_EVENT_LOOP_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct event;
struct event_base;

namespace flowhost::http_api {

class EventLoop {
 public:
  using Task = absl::AnyInvocable<void() &&>;

  // A loop not yet running. INTERNAL when libevent cannot make a base.
  static absl::StatusOr<std::unique_ptr<EventLoop>> Create();
  ~EventLoop();  // Stops if still running

  event_base* base() const { return base_; }

  // Runs the loop on a new thread named `thread_name` until Stop.
  void Start(const std::string& thread_name);

  // Runs `task` on the loop thread, after the tasks posted before it. After Stop the task is
  // destroyed unrun (on the calling thread), so a task must not rely on running to release what it
  // holds.
  void Post(Task task);

  // Ends the loop and joins its thread; tasks not yet run are dropped. Idempotent. Not from the
  // loop thread.
  void Stop();

  bool InLoopThread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  EventLoop(event_base* base, event* wake) : base_(base), wake_(wake) {}
  static void OnWake(int fd, short what, void* self);
  void RunPosted();

  event_base* const base_;
  event* const wake_;  // a user event: activated by Post, runs RunPosted
  std::thread thread_;

  absl::Mutex mu_;
  std::vector<Task> posted_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;  // wake_ is active and will run RunPosted
};

}  // namespace flowhost::http_api

#endif  // FLOWHOST_SERVER_HTTP_API_EVENT_LOOP_H_
