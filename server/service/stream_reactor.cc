#include "server/service/stream_reactor.h"

#include <atomic>
#include <optional>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "server/metrics/host_metrics.h"
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
  // `metrics` (null: none) gets the time from `started` to the first token, for `workflow`.
  SessionObserver(std::shared_ptr<StreamSession> session, const common::SecretScrubber& scrubber,
                  metrics::HostMetrics* metrics, std::string workflow, absl::Time started)
      : session_(std::move(session)),
        scrubber_(scrubber),
        metrics_(metrics),
        workflow_(std::move(workflow)),
        started_(started) {}

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
    FirstToken(text);
    session_->PushTokenDelta(node, item_index, text, kind);
  }

  void OnTokenDeltaFrom(std::string_view node, size_t item_index, std::string_view text,
                        std::string_view kind, const sdk::TokenSource& source) override {
    FirstToken(text);
    session_->PushTokenDelta(node, item_index, text, kind, source.route, source.model,
                             source.attempt);
  }

  void OnTokensReset(std::string_view node, size_t item_index,
                     const sdk::TokenSource& source) override {
    v1::StreamWorkflowResponse event;
    v1::TokensReset& reset = *event.mutable_tokens_reset();
    reset.set_node(std::string(node));
    reset.set_item_index(static_cast<int32_t>(item_index));
    reset.set_attempt(source.attempt);
    reset.set_route(std::string(source.route));
    reset.set_model(std::string(source.model));
    session_->Push(std::move(event));
  }

 private:
  // Deltas come from the HTTP client's threads: the first one with text is timed, once.
  void FirstToken(std::string_view text) {
    if (metrics_ == nullptr || text.empty() || first_token_seen_.exchange(true)) return;
    metrics_->RecordTimeToFirstToken(workflow_, absl::Now() - started_);
  }

  std::shared_ptr<StreamSession> session_;
  const common::SecretScrubber& scrubber_;  // owned by the host, which outlives executions
  metrics::HostMetrics* const metrics_;
  const std::string workflow_;
  const absl::Time started_;
  std::atomic<bool> first_token_seen_{false};
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
                                               env.stream_queue_events)),
      call_(env, *context, "StreamWorkflow") {}

void StreamReactor::Begin(const v1::StreamWorkflowRequest& request) {
  grpc::Status refusal;
  std::optional<PreparedExecution> prepared = call_.Prepare(request, refusal);
  if (!prepared.has_value()) return session_->Close(std::move(refusal));

  v1::StreamWorkflowResponse started;
  started.mutable_execution_started()->set_execution_id(prepared->request.id);
  started.mutable_execution_started()->set_workflow(prepared->request.workflow->name);
  absl::Time start_time = absl::Now();
  ToTimestamp(start_time, *started.mutable_execution_started()->mutable_start_time());
  session_->Push(std::move(started));

  // The session takes events from here on, the started event above included, so the first node
  // may run on this thread (ExecutionCall::Start): one hand-off less before the first token.
  prepared->request.observer =
      std::make_shared<SessionObserver>(session_, *env_.scrubber, env_.metrics,
                                        prepared->request.workflow->name, start_time);
  // The reactor lives until the session finishes the call, which needs Complete to have run: `this`
  // stays valid for the completion.
  if (call_.Start(*std::move(prepared),
                  [this](executor::ExecutionRecord record) { Complete(std::move(record)); })) {
    CloseSession();
  }
}

void StreamReactor::CloseSession() {
  // Only one caller gets here (Begin after the completion, or the completion after Begin), once.
  // Once Close has marked the session closed, a write completing on a gRPC thread may finish the
  // call there, and gRPC then destroys this reactor (OnDone) while Close is still running here:
  // the session is held by this frame, not only by the reactor, and `this` is not touched after.
  std::shared_ptr<StreamSession> session = session_;
  session->Push(std::move(finished_event_));
  session->Close(std::move(final_status_));
}

void StreamReactor::Complete(executor::ExecutionRecord record) {
  v1::ExecutionFinished& finished = *finished_event_.mutable_execution_finished();
  finished.set_status(ExecutionStatusToProto(record.status));
  finished.set_failed_node(record.failed_node);
  if (record.status.ok()) {
    for (const sdk::Json& item : record.output) {
      absl::Status converted = JsonToValue(item, *finished.add_output_items());
      if (!converted.ok()) {
        finished.clear_output_items();
        finished.set_status(v1::EXECUTION_STATUS_FAILED);
        ErrorToProto(converted, *env_.scrubber, *finished.mutable_error());
        final_status_ =
            FailCall(*context_, converted, FailureOf(record), *env_.scrubber, env_.max_retry_after);
        break;
      }
    }
  } else {
    ErrorToProto(record.status, *env_.scrubber, *finished.mutable_error());
    final_status_ =
        FailCall(*context_, record.status, FailureOf(record), *env_.scrubber, env_.max_retry_after);
  }
  RecordToSummary(record, *env_.scrubber, *finished.mutable_summary());
  // Closing lets the session finish the call, after which gRPC destroys this reactor: Begin must be
  // done with `this` first.
  if (call_.Finished(record)) CloseSession();
}

void StreamReactor::OnDone() {
  session_->Detach();
  delete this;
}

}  // namespace flowhost::service
