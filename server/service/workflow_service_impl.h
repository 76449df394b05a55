// flowhost.v1.WorkflowService on gRPC's callback API. RunWorkflow and StreamWorkflow hand the
// execution to the executor and return at once (RunReactor, StreamReactor); the other methods only
// read in-memory state (the workflow store, the node registry) or compile YAML, and answer inline.
// Every failure goes through status_mapping.h.
//
// Every method takes its request as bytes and parses it itself (request_parser.h), so that a
// request that cannot be parsed gets INVALID_ARGUMENT saying why; gRPC's own deserialisation
// would answer UNIMPLEMENTED with an empty message. The typed methods below then run as the
// generated service would call them; a request lives until the method returns (RunWorkflow's:
// until the call ends, on its arena).
//
// Ownership: the server owns the service; everything in the ServiceEnvironment must outlive it.
// Thread-safety: gRPC calls the handlers from its threads, concurrently.
#ifndef FLOWHOST_SERVER_SERVICE_WORKFLOW_SERVICE_IMPL_H_
#define FLOWHOST_SERVER_SERVICE_WORKFLOW_SERVICE_IMPL_H_

#include <string_view>

#include "absl/functional/function_ref.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/message_allocator.h"
#include "server/service/arena_message_allocator.h"
#include "server/service/service_environment.h"

namespace flowhost::service {

class WorkflowServiceImpl final : public v1::WorkflowService::CallbackService {
 public:
  explicit WorkflowServiceImpl(ServiceEnvironment env) : env_(std::move(env)) {
    TakeRequestsAsBytes();
  }

  grpc::ServerUnaryReactor* RunWorkflow(grpc::CallbackServerContext* context,
                                        const v1::RunWorkflowRequest* request,
                                        v1::RunWorkflowResponse* response) override;
  grpc::ServerWriteReactor<v1::StreamWorkflowResponse>* StreamWorkflow(
      grpc::CallbackServerContext* context, const v1::StreamWorkflowRequest* request) override;
  grpc::ServerUnaryReactor* ValidateWorkflow(grpc::CallbackServerContext* context,
                                             const v1::ValidateWorkflowRequest* request,
                                             v1::ValidateWorkflowResponse* response) override;
  grpc::ServerUnaryReactor* ListWorkflows(grpc::CallbackServerContext* context,
                                          const v1::ListWorkflowsRequest* request,
                                          v1::ListWorkflowsResponse* response) override;
  grpc::ServerUnaryReactor* GetWorkflow(grpc::CallbackServerContext* context,
                                        const v1::GetWorkflowRequest* request,
                                        v1::GetWorkflowResponse* response) override;
  grpc::ServerUnaryReactor* ListNodeTypes(grpc::CallbackServerContext* context,
                                          const v1::ListNodeTypesRequest* request,
                                          v1::ListNodeTypesResponse* response) override;
  grpc::ServerUnaryReactor* ListRouteHealth(grpc::CallbackServerContext* context,
                                            const v1::ListRouteHealthRequest* request,
                                            v1::ListRouteHealthResponse* response) override;
  grpc::ServerUnaryReactor* ListWorkers(grpc::CallbackServerContext* context,
                                        const v1::ListWorkersRequest* request,
                                        v1::ListWorkersResponse* response) override;

  // The execution history (history_methods.cc): each answers from the store's thread once the
  // store has answered, never waiting on a gRPC thread. FAILED_PRECONDITION when the server keeps
  // no history.
  grpc::ServerUnaryReactor* StartWorkflow(grpc::CallbackServerContext* context,
                                          const v1::StartWorkflowRequest* request,
                                          v1::StartWorkflowResponse* response) override;
  grpc::ServerUnaryReactor* GetExecution(grpc::CallbackServerContext* context,
                                         const v1::GetExecutionRequest* request,
                                         v1::GetExecutionResponse* response) override;
  grpc::ServerUnaryReactor* ListExecutions(grpc::CallbackServerContext* context,
                                           const v1::ListExecutionsRequest* request,
                                           v1::ListExecutionsResponse* response) override;
  grpc::ServerUnaryReactor* CancelExecution(grpc::CallbackServerContext* context,
                                            const v1::CancelExecutionRequest* request,
                                            v1::CancelExecutionResponse* response) override;
  grpc::ServerUnaryReactor* RetryExecution(grpc::CallbackServerContext* context,
                                           const v1::RetryExecutionRequest* request,
                                           v1::RetryExecutionResponse* response) override;
  // Streams an execution's event log (watch_reactor.h).
  grpc::ServerWriteReactor<v1::WatchExecutionResponse>* WatchExecution(
      grpc::CallbackServerContext* context, const v1::WatchExecutionRequest* request) override;

 private:
  // The caller's check, then whether the server keeps a history: the refusal, or OK.
  absl::Status HistoryAllowed(const grpc::CallbackServerContext& context) const;
  // StartWorkflow when no place is free here: records `request` queued in the store (any
  // replica with a place claims it) and answers with its id and state.
  grpc::ServerUnaryReactor* StartQueued(grpc::CallbackServerContext* context,
                                        grpc::ServerUnaryReactor* reactor,
                                        v1::StartWorkflowResponse* response,
                                        const executor::ExecutionRequest& request,
                                        const std::string& idempotency_key);
  // RetryExecution once the store has read the execution to retry (on the store's thread).
  void RetryRead(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                 v1::RetryExecutionResponse* response, bool from_failed_node,
                 absl::StatusOr<store::ExecutionDetail> detail);
  // Finishes `reactor` with `status` mapped for the caller, naming `workflow` in its details.
  void FinishFailed(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                    const absl::Status& status, const std::string& workflow);
  // RetryExecution at the limit of executions in flight: queues `request` (reusing the outputs of
  // `original_nodes` it names, for a retry from the failed node) for any replica to run.
  void QueueRetry(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                  v1::RetryExecutionResponse* response, executor::ExecutionRequest& request,
                  const std::string& retry_of, std::vector<store::NodeRow> original_nodes);

  // Answers a method that replies inline: checks the caller (CallerAuth), runs `answer` when
  // allowed, and finishes `context`'s default reactor with the refusal or `answer`'s status
  // (mapped), or OK.
  grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                   absl::FunctionRef<absl::Status()> answer);

  // Replaces the generated handlers with ones that receive the request's bytes, parse them and
  // call the typed methods above (raw_request_methods.cc).
  void TakeRequestsAsBytes();
  template <typename Request, typename Response>
  void TakeUnaryRequestAsBytes(std::string_view method,
                               grpc::ServerUnaryReactor* (WorkflowServiceImpl::*typed)(
                                   grpc::CallbackServerContext*, const Request*, Response*),
                               grpc::MessageAllocator<grpc::ByteBuffer, Response>* allocator);

  // Finishes `context`'s default reactor with `status` (mapped) or OK.
  grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* context, const absl::Status& status);

  const ServiceEnvironment env_;
  // RunWorkflow's request and response live on one arena per call (the reply's Struct trees).
  ArenaMessageAllocator<v1::RunWorkflowResponse> run_allocator_;
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_WORKFLOW_SERVICE_IMPL_H_
