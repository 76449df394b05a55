#include "server/service/stream_reactor.h"

#include "absl/time/clock.h"
#include "server/service/execution_launcher.h"
#include "server/service/json_proto.h"
#include "server/service/proto_convert.h"
#include "server/service/status_mapping.h"

namespace flowhost::service {
namespace {

// Turns the executor's progress callbacks into stream events. Holds only the session, so it may
// outlive the call (a late token delta then goes nowhere).
class SessionObserver : public executor::ExecutionObserver {
 public:
  SessionObserver(std::shared_ptr<StreamSession> session, const common::SecretScrubber& scrubber)
      : session_(std::move(session)), scrubber_(scrubber) {}

  void OnNodeStarted(std::string_view node, int attempt) override {
    v1::StreamWorkflowResponse event;
    event.mutable_node_started()->set_node(std::string(node));
    event.mutable_node_started()->set_attempt(attempt);
    session_->Push(std::move(event));
  }

  void OnNodeFinished(const executor::NodeRecord& record) override {
    v1::StreamWorkflowResponse event;
    NodeRecordToProto(record, scrubber_,
                      record.status == executor::NodeStatus::kFailed
                          ? *event.mutable_node_failed()
                          : *event.mutable_node_finished());
    session_->Push(std::move(event));
  }

  bool wants_tokens() const override { return true; }

  void OnTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                    std::string_view kind) override {
    session_->PushTokenDelta(node, item_index, text, kind);
  }

 private:
  std::shared_ptr<StreamSession> session_;
  const common::SecretScrubber& scrubber_;  // owned by the host, which outlives executions
};

}  // namespace

StreamReactor* StreamReactor::Start(const ServiceEnvironment& env,
                                    grpc::CallbackServerContext* context,
                                    const v1::StreamWorkflowRequest* request) {
  auto* reactor = new StreamReactor(env, context);
  reactor->Begin(*request);
  return reactor;
}

StreamReactor::StreamReactor(const ServiceEnvironment& env, grpc::CallbackServerContext* context)
    : env_(env),
      context_(context),
      session_(std::make_shared<StreamSession>(static_cast<StreamWriter*>(this),
                                               env.stream_queue_events)) {}

void StreamReactor::Begin(const v1::StreamWorkflowRequest& request) {
  FailureContext failure;
  absl::StatusOr<PreparedExecution> prepared =
      PrepareExecution(env_, *context_, SourceOf(request),
                       request.has_input() ? &request.input() : nullptr, failure);
  if (!prepared.ok()) {
    session_->Close(
        FailCall(*context_, prepared.status(), failure, *env_.scrubber, env_.max_retry_after));
    return;
  }
  LogExecutionStarted(env_, "StreamWorkflow", prepared->request);

  v1::StreamWorkflowResponse started;
  started.mutable_execution_started()->set_execution_id(prepared->request.id);
  started.mutable_execution_started()->set_workflow(prepared->request.workflow->name);
  ToTimestamp(absl::Now(), *started.mutable_execution_started()->mutable_start_time());
  session_->Push(std::move(started));

  prepared->request.observer = std::make_shared<SessionObserver>(session_, *env_.scrubber);
  {
    absl::MutexLock lock(&mu_);
    ticket_ = std::move(prepared->ticket);
  }
  // This gRPC thread starts the first node itself (no lock is held here; the session already
  // takes events, the started event above included): one hand-off less before the first token.
  prepared->request.start_on_caller_thread = true;
  // The reactor lives until the session finishes the call, which needs Complete to have run: `this`
  // stays valid for the completion.
  std::shared_ptr<executor::ExecutionHandle> handle = env_.executor->Start(
      std::move(prepared->request),
      [this](executor::ExecutionRecord record) { Complete(std::move(record)); });

  absl::Status cancel_reason;
  bool close_now = false;
  {
    absl::MutexLock lock(&mu_);
    handle_ = handle;
    start_returned_ = true;
    if (!completed_) {
      ticket_->Attach(handle);  // never completes inline: Executor's done runs on its pool
      if (cancelled_) cancel_reason = CallerGoneReason(*context_);
    } else {
      close_now = true;
    }
  }
  if (!cancel_reason.ok()) handle->Cancel(cancel_reason);
  if (close_now) CloseSession();
}

void StreamReactor::CloseSession() {
  // Only one caller gets here (Begin after the completion, or the completion after Begin), once.
  session_->Push(std::move(finished_event_));
  session_->Close(std::move(final_status_));
}

void StreamReactor::Complete(executor::ExecutionRecord record) {
  LogExecutionFinished(env_, "StreamWorkflow", record);
  v1::StreamWorkflowResponse event;
  v1::ExecutionFinished& finished = *event.mutable_execution_finished();
  finished.set_status(ExecutionStatusToProto(record.status));
  finished.set_failed_node(record.failed_node);
  grpc::Status status;
  if (record.status.ok()) {
    for (const sdk::Json& item : record.output) {
      absl::Status converted = JsonToValue(item, *finished.add_output_items());
      if (!converted.ok()) {
        finished.clear_output_items();
        finished.set_status(v1::EXECUTION_STATUS_FAILED);
        ErrorToProto(converted, *env_.scrubber, *finished.mutable_error());
        status =
            FailCall(*context_, converted, FailureOf(record), *env_.scrubber, env_.max_retry_after);
        break;
      }
    }
  } else {
    ErrorToProto(record.status, *env_.scrubber, *finished.mutable_error());
    status =
        FailCall(*context_, record.status, FailureOf(record), *env_.scrubber, env_.max_retry_after);
  }
  RecordToSummary(record, *env_.scrubber, *finished.mutable_summary());
  bool close_now = false;
  {
    absl::MutexLock lock(&mu_);
    completed_ = true;
    ticket_.reset();  // the execution is over: its place is free
    finished_event_ = std::move(event);
    final_status_ = std::move(status);
    close_now = start_returned_;
  }
  // Closing lets the session finish the call, after which gRPC destroys this reactor: Begin must be
  // done with `this` first.
  if (close_now) CloseSession();
}

void StreamReactor::OnCancel() {
  std::shared_ptr<executor::ExecutionHandle> handle;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (!completed_) handle = handle_;
  }
  if (handle != nullptr) handle->Cancel(CallerGoneReason(*context_));
}

void StreamReactor::OnDone() {
  session_->Detach();
  delete this;
}

}  // namespace flowhost::service
