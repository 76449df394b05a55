// One RunWorkflow call: prepares the execution, starts it, and finishes the call from the
// execution's completion with the output items and summary, or with the mapped error. The caller
// cancelling (or its deadline passing) cancels the execution, which then completes with CANCELLED
// or DEADLINE_EXCEEDED and aborts its upstream requests.
//
// Ownership: gRPC holds the reactor from the handler's return until OnDone, where it deletes
// itself. Thread-safety: gRPC's reactions and the executor's completion may come from any thread;
// ExecutionCall orders them.
#ifndef FLOWHOST_SERVER_SERVICE_RUN_REACTOR_H_
#define FLOWHOST_SERVER_SERVICE_RUN_REACTOR_H_

#include <memory>

#include "flowhost/v1/workflow_service.pb.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "server/executor/execution_record.h"
#include "server/service/execution_call.h"
#include "server/service/service_environment.h"

namespace flowhost::service {

class RunReactor : public grpc::ServerUnaryReactor {
 public:
  // Starts the work; the call finishes later (or at once on a bad request).
  static RunReactor* Start(const ServiceEnvironment& env, grpc::CallbackServerContext* context,
                           const v1::RunWorkflowRequest* request,
                           v1::RunWorkflowResponse* response);

  void OnCancel() override { call_.Cancel(); }
  void OnDone() override { delete this; }

 private:
  RunReactor(const ServiceEnvironment& env, grpc::CallbackServerContext* context,
             v1::RunWorkflowResponse* response)
      : env_(env), context_(context), response_(response), call_(env, *context, "RunWorkflow") {}

  void Begin(const v1::RunWorkflowRequest& request);
  void Complete(executor::ExecutionRecord record);

  const ServiceEnvironment& env_;
  grpc::CallbackServerContext* const context_;
  v1::RunWorkflowResponse* const response_;
  ExecutionCall call_;
  grpc::Status final_status_;  // set by the completion before call_.Finished (see ExecutionCall)
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_RUN_REACTOR_H_
