#include "server/remote/worker_session.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flowhost::remote {
namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace

WorkerSession::WorkerSession(std::shared_ptr<WorkerHub> hub) : hub_(std::move(hub)) {
  StartRead(&incoming_);
}

void WorkerSession::Send(plugin::v1::HostMessage message) {
  absl::MutexLock lock(&mu_);
  if (closing_) return;
  outgoing_.push_back(std::move(message));
  if (!writing_) WriteNextLocked();
}

void WorkerSession::Close(const absl::Status& status) {
  grpc::Status finish;
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return;
    closing_ = true;
    finish_status_ = ToGrpc(status);
    if (writing_) return;  // OnWriteDone finishes once the queue is written
    finished_ = true;
    finish = finish_status_;
  }
  Finish(finish);  // outside the lock: nothing here may run while OnDone deletes the session
}

void WorkerSession::WriteNextLocked() {
  writing_ = true;
  StartWrite(&outgoing_.front());
}

void WorkerSession::OnWriteDone(bool ok) {
  grpc::Status finish;
  {
    absl::MutexLock lock(&mu_);
    outgoing_.pop_front();
    writing_ = false;
    if (!ok) {
      // The stream is broken; reads fail too and OnReadDone tells the hub.
      outgoing_.clear();
      if (!closing_) finish_status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream broken");
      closing_ = true;
    }
    if (!outgoing_.empty()) {
      WriteNextLocked();
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
  } else {
    hub_->OnWorkerMessage(this, incoming_);
  }
  incoming_.Clear();
  StartRead(&incoming_);
}

void WorkerSession::OnDone() {
  hub_->OnStreamGone(this, absl::UnavailableError("its stream ended"));
  delete this;
}

}  // namespace flowhost::remote
