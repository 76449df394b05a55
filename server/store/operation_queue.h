// The bounded queue between the threads that call the store and the store thread. Pushing is an
// enqueue under a short lock; the store thread is woken through an eventfd (which it polls beside
// its database sockets) only when it is waiting, so a busy store costs its callers no system call.
//
// Thread-safety: Push and Close from any thread; Take, PrepareToWait and DoneWaiting from the
// store thread only.
#ifndef FLOWHOST_SERVER_STORE_OPERATION_QUEUE_H_
#define FLOWHOST_SERVER_STORE_OPERATION_QUEUE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/store/store_operation.h"

namespace flowhost::store {

class OperationQueue {
 public:
  // `capacity`: operations waiting at most; `what` names the store in errors.
  OperationQueue(int64_t capacity, std::string what);
  ~OperationQueue();
  OperationQueue(const OperationQueue&) = delete;
  OperationQueue& operator=(const OperationQueue&) = delete;

  // Queues `op`. RESOURCE_EXHAUSTED when full, FAILED_PRECONDITION once closed; then `op` is
  // destroyed without its callback running.
  absl::Status Push(Operation&& op);

  // Refuses further pushes; what is queued can still be taken.
  void Close();

  // Moves every queued operation into `out` (which must be empty), in order, by swapping
  // vectors: callers never wait behind a long copy. `out`'s capacity is reused for the next ones.
  void TakeAll(std::vector<Operation>& out);

  // Before the store thread sleeps in poll(): true when it may (nothing queued); pushes from then
  // on write the eventfd. DoneWaiting clears the eventfd after the sleep.
  bool PrepareToWait();
  void DoneWaiting();

  int wake_fd() const { return wake_fd_; }
  int64_t size() const;
  int64_t refused_full() const;
  bool closed() const;

 private:
  const int64_t capacity_;
  const std::string what_;
  const int wake_fd_;
  mutable absl::Mutex mu_;
  std::vector<Operation> ops_ ABSL_GUARDED_BY(mu_);
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int64_t refused_full_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_OPERATION_QUEUE_H_
