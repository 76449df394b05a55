#include "server/service/run_reactor.h"

#include "server/service/execution_launcher.h"
#include "server/service/proto_convert.h"
#include "server/service/status_mapping.h"

namespace flowhost::service {

RunReactor* RunReactor::Start(const ServiceEnvironment& env, grpc::CallbackServerContext* context,
                              const v1::RunWorkflowRequest* request,
                              v1::RunWorkflowResponse* response) {
  auto* reactor = new RunReactor(env, context, response);
  reactor->Begin(*request);
  return reactor;
}

void RunReactor::Begin(const v1::RunWorkflowRequest& request) {
  FailureContext failure;
  absl::StatusOr<PreparedExecution> prepared =
      PrepareExecution(env_, *context_, SourceOf(request),
                       request.has_input() ? &request.input() : nullptr, failure);
  if (!prepared.ok()) {
    Finish(FailCall(*context_, prepared.status(), failure, *env_.scrubber, env_.max_retry_after));
    return;
  }
  LogExecutionStarted(env_, "RunWorkflow", prepared->request);
  {
    absl::MutexLock lock(&mu_);
    ticket_ = std::move(prepared->ticket);
  }
  // This gRPC thread starts the first node itself (no lock is held here): one hand-off less.
  prepared->request.start_on_caller_thread = true;
  std::shared_ptr<executor::ExecutionHandle> handle = env_.executor->Start(
      std::move(prepared->request),
      [this](executor::ExecutionRecord record) { Complete(std::move(record)); });

  absl::Status cancel_reason;
  bool finish_now = false;
  grpc::Status status;
  {
    absl::MutexLock lock(&mu_);
    handle_ = handle;
    start_returned_ = true;
    if (!completed_) {
      ticket_->Attach(handle);  // never completes inline: Executor's done runs on its pool
      if (cancelled_) cancel_reason = CallerGoneReason(*context_);
    } else {
      finish_now = true;
      status = final_status_;
    }
  }
  if (!cancel_reason.ok()) handle->Cancel(cancel_reason);
  if (finish_now) Finish(status);
}

void RunReactor::Complete(executor::ExecutionRecord record) {
  LogExecutionFinished(env_, "RunWorkflow", record);
  grpc::Status status;
  if (record.status.ok()) {
    absl::Status converted = RecordToRunResponse(record, *env_.scrubber, *response_);
    if (!converted.ok()) {
      status =
          FailCall(*context_, converted, FailureOf(record), *env_.scrubber, env_.max_retry_after);
    }
  } else {
    status =
        FailCall(*context_, record.status, FailureOf(record), *env_.scrubber, env_.max_retry_after);
  }

  bool finish_now = false;
  {
    absl::MutexLock lock(&mu_);
    completed_ = true;
    ticket_.reset();  // the execution is over: its place is free
    final_status_ = status;
    finish_now = start_returned_;
  }
  if (finish_now) Finish(status);
}

void RunReactor::OnCancel() {
  std::shared_ptr<executor::ExecutionHandle> handle;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (!completed_) handle = handle_;
  }
  if (handle != nullptr) handle->Cancel(CallerGoneReason(*context_));
}

}  // namespace flowhost::service
