// The handshake between a call's reactor (RunReactor, StreamReactor) and the one execution it runs.
// Three things race: the reactor's Begin starting the execution (it must be done with the reactor
// before the call may finish, since finishing lets gRPC delete it), the execution's completion on
// the executor's pool, and gRPC's OnCancel. Whichever of Begin and the completion comes second
// finishes the call; a cancel before the execution has started is carried over to it.
//
//   Begin:       prepared = call_.Prepare(request, refusal) (else finish with refusal); ...;
//                if (call_.Start(*prepared, ...)) finish now;
//   completion:  store the final status or event; if (call_.Finished(record)) finish now;
//   OnCancel:    call_.Cancel();
//
// What the completion stores before Finished is visible to the Begin whose Start returns true (the
// handshake's lock orders them), so that state needs no lock of its own.
//
// Ownership: a member of its reactor, no allocation of its own; holds the execution's handle and
// its ExecutionGate ticket (released when the execution completes). Thread-safety: Start once, from
// the reactor's Begin; Finished once, from the completion; Cancel from any thread.
#ifndef FLOWHOST_SERVER_SERVICE_EXECUTION_CALL_H_
#define FLOWHOST_SERVER_SERVICE_EXECUTION_CALL_H_

#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_context.h"
#include "server/executor/execution_record.h"
#include "server/executor/executor.h"
#include "server/service/execution_gate.h"
#include "server/service/execution_launcher.h"
#include "server/service/service_environment.h"
#include "server/service/status_mapping.h"

namespace flowhost::service {

class ExecutionCall {
 public:
  // `rpc` names the method in log lines ("RunWorkflow"); it must outlive the call (a literal).
  ExecutionCall(const ServiceEnvironment& env, grpc::CallbackServerContext& context,
                std::string_view rpc)
      : env_(env), context_(context), rpc_(rpc) {}

  ExecutionCall(const ExecutionCall&) = delete;
  ExecutionCall& operator=(const ExecutionCall&) = delete;

  // PrepareExecution for a RunWorkflowRequest or StreamWorkflowRequest. When the call cannot start,
  // returns nullopt and sets `refusal` to the status to finish it with (mapped, details attached).
  template <typename Request>
  std::optional<PreparedExecution> Prepare(const Request& request, grpc::Status& refusal) {
    FailureContext failure;
    absl::StatusOr<PreparedExecution> prepared =
        PrepareExecution(env_, context_, SourceOf(request),
                         request.has_input() ? &request.input() : nullptr, failure);
    if (prepared.ok()) {
      SendIds(prepared->request);
      return *std::move(prepared);
    }
    refusal = FailCall(context_, prepared.status(), failure, *env_.scrubber, env_.max_retry_after);
    return std::nullopt;
  }

  // The response metadata every execution's call carries, sent with the first response:
  // x-flowhost-execution-id, and traceparent (the execution's trace, continuing the caller's).
  static constexpr char kExecutionIdKey[] = "x-flowhost-execution-id";

  // Logs the start and starts `prepared` on the executor, holding its gate ticket until it
  // completes. The first node runs on this thread (no lock is held meanwhile): one hand-off less.
  // `complete` runs once, on the executor's pool, never inline here. Returns true when the
  // completion has already run, so the caller finishes the call now.
  bool Start(PreparedExecution&& prepared, executor::Executor::Done complete);

  // From the completion, once the call's final status is stored: logs the end and frees the
  // execution's place. Returns true when Start has returned, so the completion finishes the call;
  // false when Start's caller will.
  bool Finished(const executor::ExecutionRecord& record);

  // From OnCancel: cancels the execution with CallerGoneReason, now or as soon as it has started,
  // unless it has completed.
  void Cancel();

 private:
  // Adds the execution id and trace to the response's initial metadata (before anything is sent).
  void SendIds(const executor::ExecutionRequest& request);
  const ServiceEnvironment& env_;
  grpc::CallbackServerContext& context_;
  const std::string_view rpc_;

  absl::Mutex mu_;
  std::shared_ptr<executor::ExecutionHandle> handle_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<ExecutionGate::Ticket> ticket_ ABSL_GUARDED_BY(mu_);
  bool start_returned_ ABSL_GUARDED_BY(mu_) = false;  // Start has stored the handle
  bool completed_ ABSL_GUARDED_BY(mu_) = false;       // Finished has run
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;       // Cancel has run
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_EXECUTION_CALL_H_
