// How WorkflowServiceImpl receives its requests: as bytes, parsed here (workflow_service_impl.h).
//
// gRPC 1.51's callback API deserialises a request before any handler code runs and, when that
// fails, finishes the call with UNIMPLEMENTED and an empty message. A handler whose request type
// is grpc::ByteBuffer never fails that step (it only takes the bytes), so each method is
// registered with such a handler, the way the generated WithRawCallbackMethod_ classes do,
// keeping the typed response: the handler parses the bytes with request_parser.h and either
// answers INVALID_ARGUMENT naming the problem or calls the typed method.
#include <string>

#include "google/protobuf/arena.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "server/service/request_parser.h"
#include "server/service/status_mapping.h"
#include "server/service/workflow_service_impl.h"

namespace flowhost::service {
namespace {

// The method's index in the service, as the generated code numbers them (its order in the .proto).
int MethodIndex(std::string_view method) {
  const google::protobuf::ServiceDescriptor* service =
      v1::RunWorkflowRequest::descriptor()->file()->FindServiceByName("WorkflowService");
  const google::protobuf::MethodDescriptor* found = service->FindMethodByName(std::string(method));
  GOOGLE_CHECK(found != nullptr) << "no method " << method;
  return found->index();
}

// A streaming call whose request could not be parsed: finishes at once with `status`.
template <typename Response>
class RefusedStream : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedStream(grpc::Status status) { this->Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

template <typename Request, typename Response>
void WorkflowServiceImpl::TakeUnaryRequestAsBytes(
    std::string_view method,
    grpc::ServerUnaryReactor* (WorkflowServiceImpl::*typed)(grpc::CallbackServerContext*,
                                                            const Request*, Response*),
    grpc::MessageAllocator<grpc::ByteBuffer, Response>* allocator) {
  auto* handler = new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, Response>(
      [this, typed](grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes,
                    Response* response) -> grpc::ServerUnaryReactor* {
        // On the call's arena when the response has one: the request then lasts as long as the
        // call. Otherwise it lasts while the method runs, which answers before returning.
        if (google::protobuf::Arena* arena = response->GetArena()) {
          Request* request = google::protobuf::Arena::CreateMessage<Request>(arena);
          absl::Status parsed = ParseRequest(*bytes, *request);
          if (!parsed.ok()) return Reply(context, parsed);
          return (this->*typed)(context, request, response);
        }
        Request request;
        absl::Status parsed = ParseRequest(*bytes, request);
        if (!parsed.ok()) return Reply(context, parsed);
        return (this->*typed)(context, &request, response);
      });
  if (allocator != nullptr) handler->SetMessageAllocator(allocator);
  MarkMethodCallback(MethodIndex(method), handler);
}

void WorkflowServiceImpl::TakeRequestsAsBytes() {
  TakeUnaryRequestAsBytes("RunWorkflow", &WorkflowServiceImpl::RunWorkflow, &run_allocator_);
  TakeUnaryRequestAsBytes<v1::ValidateWorkflowRequest, v1::ValidateWorkflowResponse>(
      "ValidateWorkflow", &WorkflowServiceImpl::ValidateWorkflow, nullptr);
  TakeUnaryRequestAsBytes<v1::ListWorkflowsRequest, v1::ListWorkflowsResponse>(
      "ListWorkflows", &WorkflowServiceImpl::ListWorkflows, nullptr);
  TakeUnaryRequestAsBytes<v1::GetWorkflowRequest, v1::GetWorkflowResponse>(
      "GetWorkflow", &WorkflowServiceImpl::GetWorkflow, nullptr);
  TakeUnaryRequestAsBytes<v1::ListNodeTypesRequest, v1::ListNodeTypesResponse>(
      "ListNodeTypes", &WorkflowServiceImpl::ListNodeTypes, nullptr);
  TakeUnaryRequestAsBytes<v1::StartWorkflowRequest, v1::StartWorkflowResponse>(
      "StartWorkflow", &WorkflowServiceImpl::StartWorkflow, nullptr);
  TakeUnaryRequestAsBytes<v1::GetExecutionRequest, v1::GetExecutionResponse>(
      "GetExecution", &WorkflowServiceImpl::GetExecution, nullptr);
  TakeUnaryRequestAsBytes<v1::ListExecutionsRequest, v1::ListExecutionsResponse>(
      "ListExecutions", &WorkflowServiceImpl::ListExecutions, nullptr);
  TakeUnaryRequestAsBytes<v1::CancelExecutionRequest, v1::CancelExecutionResponse>(
      "CancelExecution", &WorkflowServiceImpl::CancelExecution, nullptr);
  TakeUnaryRequestAsBytes<v1::ListRouteHealthRequest, v1::ListRouteHealthResponse>(
      "ListRouteHealth", &WorkflowServiceImpl::ListRouteHealth, nullptr);
  TakeUnaryRequestAsBytes<v1::ListWorkersRequest, v1::ListWorkersResponse>(
      "ListWorkers", &WorkflowServiceImpl::ListWorkers, nullptr);
  MarkMethodCallback(
      MethodIndex("StreamWorkflow"),
      new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer,
                                                         v1::StreamWorkflowResponse>(
          [this](grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes)
              -> grpc::ServerWriteReactor<v1::StreamWorkflowResponse>* {
            v1::StreamWorkflowRequest request;
            absl::Status parsed = ParseRequest(*bytes, request);
            if (!parsed.ok()) {
              return new RefusedStream<v1::StreamWorkflowResponse>(FailCall(
                  *context, parsed, FailureContext(), *env_.scrubber, env_.max_retry_after));
            }
            return StreamWorkflow(context, &request);
          }));
  MarkMethodCallback(
      MethodIndex("WatchExecution"),
      new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer,
                                                         v1::WatchExecutionResponse>(
          [this](grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes)
              -> grpc::ServerWriteReactor<v1::WatchExecutionResponse>* {
            v1::WatchExecutionRequest request;
            absl::Status parsed = ParseRequest(*bytes, request);
            if (!parsed.ok()) {
              return new RefusedStream<v1::WatchExecutionResponse>(FailCall(
                  *context, parsed, FailureContext(), *env_.scrubber, env_.max_retry_after));
            }
            return WatchExecution(context, &request);
          }));
}

}  // namespace flowhost::service
