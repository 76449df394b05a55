#include "server/store/operation_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <utility>

namespace flowhost::store {

OperationQueue::OperationQueue(int64_t capacity, std::string what)
    : capacity_(capacity),
      what_(std::move(what)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

OperationQueue::~OperationQueue() {
  if (wake_fd_ >= 0) close(wake_fd_);
}

absl::Status OperationQueue::Push(Operation&& op) {
  bool wake = false;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return absl::FailedPreconditionError(what_ + " is shut down");
    if (static_cast<int64_t>(ops_.size()) >= capacity_) {
      ++refused_full_;
      return absl::ResourceExhaustedError(
          what_ + ": " + std::to_string(capacity_) +
          " operations are already queued (store.max_queued_operations); the database is slower "
          "than the executions writing to it: retry later or shed load");
    }
    ops_.push_back(std::move(op));
    wake = waiting_;
    waiting_ = false;
  }
  if (wake) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
  }
  return absl::OkStatus();
}

void OperationQueue::Close() {
  bool wake = false;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    wake = waiting_;
    waiting_ = false;
  }
  if (wake) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
  }
}

void OperationQueue::TakeAll(std::vector<Operation>& out) {
  absl::MutexLock lock(&mu_);
  ops_.swap(out);
}

bool OperationQueue::PrepareToWait() {
  absl::MutexLock lock(&mu_);
  if (!ops_.empty() || closed_) return false;
  waiting_ = true;
  return true;
}

void OperationQueue::DoneWaiting() {
  {
    absl::MutexLock lock(&mu_);
    waiting_ = false;
  }
  uint64_t count = 0;
  [[maybe_unused]] ssize_t n = read(wake_fd_, &count, sizeof(count));
}

int64_t OperationQueue::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(ops_.size());
}

int64_t OperationQueue::refused_full() const {
  absl::MutexLock lock(&mu_);
  return refused_full_;
}

bool OperationQueue::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

}  // namespace flowhost::store
