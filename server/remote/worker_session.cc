#include "server/remote/worker_session.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flowhost::remote {
namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// A HostBatch stays well under a worker's default 4 MiB receive limit (a single larger message
// still goes alone, as before batches).
constexpr size_t kMaxHostBatchBytes = 1 << 20;
constexpr int kMaxHostBatchMessages = 1024;

bool Batchable(const plugin::v1::HostMessage& message) {
  return !message.has_accepted() && !message.has_refused();
}

}  // namespace

WorkerSession::WorkerSession(std::shared_ptr<WorkerHub> hub) : hub_(std::move(hub)) {
  StartRead(&incoming_);
}

void WorkerSession::Send(plugin::v1::HostMessage message) {
  absl::MutexLock lock(&mu_);
  if (closing_) return;
  outgoing_.push_back(std::move(message));
  if (!writing_ && !reacting_) WriteNextLocked();
}

void WorkerSession::SetReacting(bool reacting) {
  absl::MutexLock lock(&mu_);
  reacting_ = reacting;
  if (!reacting && !writing_ && !outgoing_.empty()) WriteNextLocked();
}

void WorkerSession::Close(const absl::Status& status) {
  grpc::Status finish;
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return;
    closing_ = true;
    finish_status_ = ToGrpc(status);
    if (writing_) return;  // OnWriteDone finishes once the queue is written
    if (!outgoing_.empty()) {
      WriteNextLocked();  // held back while reacting; OnWriteDone finishes after it
      return;
    }
    finished_ = true;
    finish = finish_status_;
  }
  Finish(finish);  // outside the lock: nothing here may run while OnDone deletes the session
}

void WorkerSession::WriteNextLocked() {
  writing_ = true;
  if (batches_ && outgoing_.size() > 1 && Batchable(outgoing_.front())) {
    in_write_.Clear();
    plugin::v1::HostBatch& batch = *in_write_.mutable_batch();
    size_t bytes = 0;
    while (!outgoing_.empty() && Batchable(outgoing_.front()) &&
           batch.messages_size() < kMaxHostBatchMessages) {
      const size_t size = outgoing_.front().ByteSizeLong();
      if (batch.messages_size() > 0 && bytes + size > kMaxHostBatchBytes) break;
      bytes += size;
      *batch.add_messages() = std::move(outgoing_.front());
      outgoing_.pop_front();
    }
    if (batch.messages_size() == 1) {
      plugin::v1::HostMessage only = std::move(*batch.mutable_messages(0));
      in_write_ = std::move(only);
    }
  } else {
    in_write_ = std::move(outgoing_.front());
    outgoing_.pop_front();
  }
  StartWrite(&in_write_);
}

void WorkerSession::OnWriteDone(bool ok) {
  grpc::Status finish;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      // The stream is broken; reads fail too and OnReadDone tells the hub.
      outgoing_.clear();
      if (!closing_) finish_status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream broken");
      closing_ = true;
    }
    if (!outgoing_.empty()) {
      if (!reacting_) WriteNextLocked();  // else SetReacting(false) writes
      return;
    }
    if (!closing_ || finished_) return;
    finished_ = true;
    finish = finish_status_;
  }
  Finish(finish);
}

void WorkerSession::OnReadDone(bool ok) {
  if (!ok) {
    hub_->OnStreamGone(this, absl::UnavailableError("its stream closed or broke"));
    Close(absl::OkStatus());
    return;
  }
  if (!admitted_) {
    if (!incoming_.has_hello()) {
      Close(absl::InvalidArgumentError("the worker's first message must be a Hello"));
      return;
    }
    absl::Status admitted = hub_->Admit(this, incoming_.hello());
    if (!admitted.ok()) {
      Close(admitted);
      return;
    }
    admitted_ = true;
    absl::MutexLock lock(&mu_);
    batches_ = incoming_.hello().accepts_batches();
  } else {
    // What the hub sends this worker in answer (the next assignments) leaves in one write.
    SetReacting(true);
    hub_->OnWorkerMessage(this, incoming_);
    SetReacting(false);
  }
  incoming_.Clear();
  StartRead(&incoming_);
}

void WorkerSession::OnDone() {
  hub_->OnStreamGone(this, absl::UnavailableError("its stream ended"));
  delete this;
}

}  // namespace flowhost::remote
