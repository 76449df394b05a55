// WorkflowServiceImpl's execution-history methods: StartWorkflow, GetExecution, ListExecutions
// and CancelExecution (docs/executions.md). Each checks the caller and its request on the gRPC
// thread, queues one operation on the execution store, and finishes the call from the store's
// callback (on the store's thread). The request is parsed on the handler's stack, so whatever a
// callback needs of it is copied first.
#include <memory>
#include <string>
#include <utility>

#include "flowhost/sdk/error.h"
#include "server/service/execution_launcher.h"
#include "server/service/history_convert.h"
#include "server/service/status_mapping.h"
#include "server/service/stored_execution.h"
#include "server/service/watch_reactor.h"
#include "server/service/workflow_service_impl.h"

namespace flowhost::service {
namespace {

constexpr size_t kMaxIdempotencyKeyBytes = 256;

absl::Status HistoryOff() {
  return absl::FailedPreconditionError(
      "this server keeps no execution history (store.backend is none); start it with a store "
      "(docs/executions.md), or run the workflow with RunWorkflow");
}

absl::Status RequireId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("execution_id is required");
  return absl::OkStatus();
}

}  // namespace

absl::Status WorkflowServiceImpl::HistoryAllowed(const grpc::CallbackServerContext& context) const {
  if (env_.auth != nullptr) {
    if (absl::Status allowed = env_.auth->Check(context); !allowed.ok()) return allowed;
  }
  if (env_.recorder == nullptr) return HistoryOff();
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::StartWorkflow(
    grpc::CallbackServerContext* context, const v1::StartWorkflowRequest* request,
    v1::StartWorkflowResponse* response) {
  if (absl::Status allowed = HistoryAllowed(*context); !allowed.ok()) {
    return Reply(context, allowed);
  }
  if (request->idempotency_key().size() > kMaxIdempotencyKeyBytes) {
    return Reply(context, absl::InvalidArgumentError(
                              "idempotency_key is " +
                              std::to_string(request->idempotency_key().size()) +
                              " bytes; at most 256 are allowed"));
  }
  FailureContext failure;
  // At the limit of executions in flight it is queued in the store instead, for whichever
  // replica (this one included) has a place first. Only a loaded workflow's: the store keeps its
  // name, not inline YAML, so no other server could run that.
  WorkflowSource source = SourceOf(*request);
  absl::StatusOr<PreparedExecution> prepared = PrepareExecution(
      env_, *context, source, request->has_input() ? &request->input() : nullptr, failure,
      source.kind == WorkflowSource::Kind::kName ? WhenBusy::kQueue : WhenBusy::kRefuse);
  if (!prepared.ok()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(
        FailCall(*context, prepared.status(), failure, *env_.scrubber, env_.max_retry_after));
    return reactor;
  }
  // It outlives this call: only max_execution_time bounds it, not the caller's deadline.
  prepared->request.deadline = absl::InfiniteFuture();

  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (prepared->ticket == nullptr) {
    return StartQueued(context, reactor, response, prepared->request, request->idempotency_key());
  }
  auto pending = std::make_shared<PreparedExecution>(*std::move(prepared));
  absl::Status queued = env_.recorder->CreateForStart(
      pending->request, request->idempotency_key(),
      [this, context, response, reactor,
       pending](absl::StatusOr<ExecutionRecorder::AsyncStart> start) mutable {
        if (!start.ok()) {
          FinishFailed(context, reactor, start.status(), pending->request.workflow->name);
          return;
        }
        response->set_execution_id(start->created.id);
        response->set_created(start->created.created);
        response->set_state(ExecutionStateToProto(start->created.status));
        if (start->recording != nullptr) {
          pending->request.id = start->created.id;
          StartRecorded(env_, "StartWorkflow", start->recording, std::move(pending->request),
                        std::move(pending->ticket));
        }
        pending.reset();  // an earlier execution was returned: this one's place is free
        reactor->Finish(grpc::Status::OK);
      });
  if (!queued.ok()) {
    FinishFailed(context, reactor, queued, pending->request.workflow->name);
  }
  return reactor;
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::StartQueued(
    grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
    v1::StartWorkflowResponse* response, const executor::ExecutionRequest& request,
    const std::string& idempotency_key) {
  std::string workflow = request.workflow->name;
  absl::Status queued = env_.recorder->CreateQueued(
      request, idempotency_key,
      [this, context, response, reactor,
       workflow](absl::StatusOr<store::CreatedExecution> created) {
        if (!created.ok()) {
          FinishFailed(context, reactor, created.status(), workflow);
          return;
        }
        if (created->created) {
          env_.logger->Log(sdk::LogLevel::kInfo,
                           "execution queued: no place free here (limits.max_executions_in_flight)",
                           {{"execution_id", created->id}, {"workflow", workflow}});
        }
        response->set_execution_id(created->id);
        response->set_created(created->created);
        response->set_state(ExecutionStateToProto(created->status));
        reactor->Finish(grpc::Status::OK);
      });
  if (!queued.ok()) {
    FinishFailed(context, reactor, queued, workflow);
  }
  return reactor;
}

grpc::ServerWriteReactor<v1::WatchExecutionResponse>* WorkflowServiceImpl::WatchExecution(
    grpc::CallbackServerContext* context, const v1::WatchExecutionRequest* request) {
  return WatchReactor::Start(env_, context, *request, HistoryAllowed(*context));
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::GetExecution(
    grpc::CallbackServerContext* context, const v1::GetExecutionRequest* request,
    v1::GetExecutionResponse* response) {
  absl::Status allowed = HistoryAllowed(*context);
  if (allowed.ok()) allowed = RequireId(request->execution_id());
  if (!allowed.ok()) return Reply(context, allowed);
  store::GetOptions options;
  options.with_nodes = request->include_nodes();
  options.with_items = request->include_items();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status queued = env_.recorder->store().GetExecution(
      request->execution_id(), options,
      [this, context, response, reactor](absl::StatusOr<store::ExecutionDetail> detail) {
        absl::Status status = detail.status();
        if (status.ok()) status = ExecutionToProto(*detail, *env_.scrubber, *response->mutable_execution());
        reactor->Finish(status.ok() ? grpc::Status::OK
                                    : FailCall(*context, status, FailureContext(),
                                               *env_.scrubber, env_.max_retry_after));
      });
  if (!queued.ok()) return Reply(context, queued);
  return reactor;
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::ListExecutions(
    grpc::CallbackServerContext* context, const v1::ListExecutionsRequest* request,
    v1::ListExecutionsResponse* response) {
  if (absl::Status allowed = HistoryAllowed(*context); !allowed.ok()) {
    return Reply(context, allowed);
  }
  absl::StatusOr<store::ListQuery> query = ListQueryFromProto(*request);
  if (!query.ok()) return Reply(context, query.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status queued = env_.recorder->store().ListExecutions(
      *std::move(query),
      [this, context, response, reactor](absl::StatusOr<store::ExecutionPage> page) {
        if (!page.ok()) {
          reactor->Finish(FailCall(*context, page.status(), FailureContext(), *env_.scrubber,
                                   env_.max_retry_after));
          return;
        }
        for (const store::ExecutionRow& row : page->executions) {
          ExecutionRowToProto(row, *env_.scrubber, *response->add_executions());
        }
        response->set_next_page_token(std::move(page->next_page_token));
        reactor->Finish(grpc::Status::OK);
      });
  if (!queued.ok()) return Reply(context, queued);
  return reactor;
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::CancelExecution(
    grpc::CallbackServerContext* context, const v1::CancelExecutionRequest* request,
    v1::CancelExecutionResponse* response) {
  absl::Status allowed = HistoryAllowed(*context);
  if (allowed.ok()) allowed = RequireId(request->execution_id());
  if (!allowed.ok()) return Reply(context, allowed);
  const std::string& id = request->execution_id();
  // Flag it in the store first, so the stored row says cancel_requested whatever happens next;
  // one running here is then stopped at once (its outcome is recorded when it has wound down).
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<Recording> running = env_.recorder->FindRunning(id);
  response->set_execution_id(id);
  absl::Status queued = env_.recorder->store().RequestCancel(
      id, [this, context, response, reactor](absl::StatusOr<store::ExecutionStatus> status) {
        if (!status.ok()) {
          reactor->Finish(FailCall(*context, status.status(), FailureContext(), *env_.scrubber,
                                   env_.max_retry_after));
          return;
        }
        response->set_state(ExecutionStateToProto(*status));
        reactor->Finish(grpc::Status::OK);
      });
  if (!queued.ok()) return Reply(context, queued);
  if (running != nullptr) {
    running->Cancel(sdk::NodeError(absl::StatusCode::kCancelled, sdk::error_class::kCancelled,
                                   "cancelled by CancelExecution"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::RetryExecution(
    grpc::CallbackServerContext* context, const v1::RetryExecutionRequest* request,
    v1::RetryExecutionResponse* response) {
  absl::Status allowed = HistoryAllowed(*context);
  if (allowed.ok()) allowed = RequireId(request->execution_id());
  if (!allowed.ok()) return Reply(context, allowed);
  bool from_failed_node = request->from_failed_node();
  store::GetOptions options;
  options.with_nodes = from_failed_node;
  options.with_items = from_failed_node;
  response->set_retry_of(request->execution_id());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status queued = env_.recorder->store().GetExecution(
      request->execution_id(), options,
      [this, context, reactor, response,
       from_failed_node](absl::StatusOr<store::ExecutionDetail> detail) mutable {
        RetryRead(context, reactor, response, from_failed_node, std::move(detail));
      });
  if (!queued.ok()) return Reply(context, queued);
  return reactor;
}

void WorkflowServiceImpl::RetryRead(grpc::CallbackServerContext* context,
                                    grpc::ServerUnaryReactor* reactor,
                                    v1::RetryExecutionResponse* response, bool from_failed_node,
                                    absl::StatusOr<store::ExecutionDetail> detail) {
  FailureContext failure;
  auto fail = [&](const absl::Status& status) {
    reactor->Finish(FailCall(*context, status, failure, *env_.scrubber, env_.max_retry_after));
  };
  if (!detail.ok()) return fail(detail.status());
  const store::ExecutionRow& original = detail->execution;
  failure.workflow = original.workflow;
  if (!store::IsFinal(original.status)) {
    return fail(absl::FailedPreconditionError(
        "execution " + original.id + " is " +
        std::string(store::ExecutionStatusName(original.status)) +
        "; only a finished execution can be retried (cancel it first, or wait for it)"));
  }
  if (from_failed_node && original.status == store::ExecutionStatus::kSucceeded) {
    return fail(absl::FailedPreconditionError(
        "execution " + original.id +
        " succeeded, so it has no failed node to retry from; retry it from the start"));
  }
  absl::StatusOr<sdk::Json> input = StoredInput(original);
  if (!input.ok()) return fail(input.status());
  // At the limit of executions in flight it is queued in the store, as StartWorkflow's are.
  absl::StatusOr<PreparedExecution> prepared = PrepareExecution(
      env_, *context, WorkflowSource{WorkflowSource::Kind::kName, original.workflow}, *input,
      failure, WhenBusy::kQueue);
  if (!prepared.ok()) return fail(prepared.status());
  prepared->request.deadline = absl::InfiniteFuture();  // it outlives this call
  if (from_failed_node) {
    prepared->request.reused_outputs = ReusableOutputs(*detail);
    for (const workflow::CompiledNode& node : prepared->request.workflow->nodes) {
      if (prepared->request.reused_outputs.contains(node.name)) {
        response->add_reused_nodes(node.name);
      }
    }
  }
  if (prepared->ticket == nullptr) {
    return QueueRetry(context, reactor, response, prepared->request, original.id,
                      from_failed_node ? detail->nodes : std::vector<store::NodeRow>());
  }
  auto pending = std::make_shared<PreparedExecution>(*std::move(prepared));
  absl::Status queued = env_.recorder->CreateForRetry(
      pending->request, original.id,
      [this, context, reactor, response,
       pending](absl::StatusOr<ExecutionRecorder::AsyncStart> start) mutable {
        if (!start.ok()) {
          FinishFailed(context, reactor, start.status(), pending->request.workflow->name);
          return;
        }
        if (start->recording == nullptr) {  // a retry has no idempotency key: always created
          reactor->Finish(FailCall(
              *context, absl::InternalError("the store returned an existing execution for a retry"),
              FailureContext(), *env_.scrubber, env_.max_retry_after));
          return;
        }
        response->set_execution_id(start->created.id);
        response->set_state(ExecutionStateToProto(start->created.status));
        pending->request.id = start->created.id;
        StartRecorded(env_, "RetryExecution", start->recording, std::move(pending->request),
                      std::move(pending->ticket));
        reactor->Finish(grpc::Status::OK);
      });
  if (!queued.ok()) fail(queued);
}

void WorkflowServiceImpl::QueueRetry(grpc::CallbackServerContext* context,
                                     grpc::ServerUnaryReactor* reactor,
                                     v1::RetryExecutionResponse* response,
                                     executor::ExecutionRequest& request,
                                     const std::string& retry_of,
                                     std::vector<store::NodeRow> original_nodes) {
  std::string workflow = request.workflow->name;
  absl::Status queued = env_.recorder->CreateQueuedRetry(
      request, retry_of, std::move(original_nodes),
      [this, context, response, reactor,
       workflow](absl::StatusOr<store::CreatedExecution> created) {
        if (!created.ok()) {
          FinishFailed(context, reactor, created.status(), workflow);
          return;
        }
        env_.logger->Log(sdk::LogLevel::kInfo,
                         "retry queued: no place free here (limits.max_executions_in_flight)",
                         {{"execution_id", created->id},
                          {"workflow", workflow},
                          {"retry_of", response->retry_of()}});
        response->set_execution_id(created->id);
        response->set_state(ExecutionStateToProto(created->status));
        reactor->Finish(grpc::Status::OK);
      });
  if (!queued.ok()) {
    FinishFailed(context, reactor, queued, workflow);
  }
}

void WorkflowServiceImpl::FinishFailed(grpc::CallbackServerContext* context,
                                       grpc::ServerUnaryReactor* reactor,
                                       const absl::Status& status, const std::string& workflow) {
  FailureContext failure;
  failure.workflow = workflow;
  reactor->Finish(FailCall(*context, status, failure, *env_.scrubber, env_.max_retry_after));
}

}  // namespace flowhost::service
