#include "server/service/execution_call.h"

#include <utility>

#include "server/common/trace_context.h"

namespace flowhost::service {

void ExecutionCall::SendIds(const executor::ExecutionRequest& request) {
  context_.AddInitialMetadata(kExecutionIdKey, request.id);
  context_.AddInitialMetadata(common::TraceContext::kHeader, request.traceparent);
}

bool ExecutionCall::Start(PreparedExecution&& prepared, executor::Executor::Done complete) {
  LogExecutionStarted(env_, rpc_, prepared.request);
  {
    absl::MutexLock lock(&mu_);
    ticket_ = std::move(prepared.ticket);
  }
  prepared.request.start_on_caller_thread = true;
  std::shared_ptr<Recording> recording;
  if (env_.recorder != nullptr) recording = env_.recorder->RecordRun(prepared.request);
  if (recording != nullptr) {
    complete = [recording, complete = std::move(complete)](executor::ExecutionRecord record) mutable {
      recording->Finish(record);
      complete(std::move(record));
    };
  }
  std::shared_ptr<executor::ExecutionHandle> handle =
      env_.executor->Start(std::move(prepared.request), std::move(complete));
  if (recording != nullptr) recording->Attach(handle);

  absl::Status cancel_reason;
  bool completed = false;
  {
    absl::MutexLock lock(&mu_);
    handle_ = handle;
    start_returned_ = true;
    completed = completed_;
    if (!completed) {
      ticket_->Attach(handle);  // never completes inline: Executor's done runs on its pool
      if (cancelled_) cancel_reason = CallerGoneReason(context_);
    }
  }
  if (!cancel_reason.ok()) handle->Cancel(cancel_reason);
  return completed;
}

bool ExecutionCall::Finished(const executor::ExecutionRecord& record) {
  ReportExecutionFinished(env_, rpc_, record);
  absl::MutexLock lock(&mu_);
  completed_ = true;
  ticket_.reset();  // the execution is over: its place is free
  return start_returned_;
}

void ExecutionCall::Cancel() {
  std::shared_ptr<executor::ExecutionHandle> handle;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (!completed_) handle = handle_;
  }
  if (handle != nullptr) handle->Cancel(CallerGoneReason(context_));
}

}  // namespace flowhost::service
