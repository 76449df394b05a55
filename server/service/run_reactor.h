// One RunWorkflow call: prepares the execution, starts it, and finishes the call from the
// execution's completion with the output items and summary, or with the mapped error. The caller
// cancelling (or its deadline passing) cancels the execution, which then completes with CANCELLED
// or DEADLINE_EXCEEDED and aborts its upstream requests.
//
// Ownership: gRPC holds the reactor from the handler's return until OnDone, where it deletes
// itself. Thread-safety: gRPC's reactions and the executor's completion may come from any thread;
// state shared between them is guarded by mu_.
#ifndef FLOWHOST_SERVER_SERVICE_RUN_REACTOR_H_
#define FLOWHOST_SERVER_SERVICE_RUN_REACTOR_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "server/executor/execution_record.h"
#include "server/service/execution_gate.h"
#include "server/service/service_environment.h"

namespace flowhost::service {

class RunReactor : public grpc::ServerUnaryReactor {
 public:
  // Starts the work; the call finishes later (or at once on a bad request).
  static RunReactor* Start(const ServiceEnvironment& env, grpc::CallbackServerContext* context,
                           const v1::RunWorkflowRequest* request,
                           v1::RunWorkflowResponse* response);

  void OnCancel() override;
  void OnDone() override { delete this; }

 private:
  RunReactor(const ServiceEnvironment& env, grpc::CallbackServerContext* context,
             v1::RunWorkflowResponse* response)
      : env_(env), context_(context), response_(response) {}

  void Begin(const v1::RunWorkflowRequest& request);
  void Complete(executor::ExecutionRecord record);

  const ServiceEnvironment& env_;
  grpc::CallbackServerContext* const context_;
  v1::RunWorkflowResponse* const response_;

  absl::Mutex mu_;
  std::shared_ptr<executor::ExecutionHandle> handle_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<ExecutionGate::Ticket> ticket_ ABSL_GUARDED_BY(mu_);
  bool start_returned_ ABSL_GUARDED_BY(mu_) = false;  // Begin has stored the handle
  bool completed_ ABSL_GUARDED_BY(mu_) = false;       // the execution's completion has run
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;       // OnCancel has run
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_RUN_REACTOR_H_
