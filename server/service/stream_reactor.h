// One StreamWorkflow call: prepares and starts the execution like RunWorkflow, and streams its
// events through a StreamSession (execution started, node started/finished/failed, token deltas,
// execution finished), then finishes with the execution's status. The caller cancelling (or its
// deadline passing) cancels the execution.
//
// Ownership: gRPC holds the reactor until OnDone, where it detaches from the session and deletes
// itself. The session is shared with the execution's observer, which may outlive the reactor.
// Thread-safety: gRPC's reactions, the observer's callbacks and the executor's completion may come
// from any thread; ExecutionCall orders the start, the completion and the cancel, and the session
// guards its own state.
#ifndef FLOWHOST_SERVER_SERVICE_STREAM_REACTOR_H_
#define FLOWHOST_SERVER_SERVICE_STREAM_REACTOR_H_

#include <memory>

#include "flowhost/v1/workflow_service.pb.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "server/executor/execution_record.h"
#include "server/service/execution_call.h"
#include "server/service/service_environment.h"
#include "server/service/stream_session.h"

namespace flowhost::service {

class StreamReactor : public grpc::ServerWriteReactor<v1::StreamWorkflowResponse>,
                      private StreamWriter {
 public:
  static StreamReactor* Start(const ServiceEnvironment& env, grpc::CallbackServerContext* context,
                              const v1::StreamWorkflowRequest* request);

  void OnWriteDone(bool ok) override { session_->OnWriteDone(ok); }
  void OnCancel() override { call_.Cancel(); }
  void OnDone() override;

 private:
  StreamReactor(const ServiceEnvironment& env, grpc::CallbackServerContext* context);

  // StreamWriter: the session's way out.
  void StartWrite(const v1::StreamWorkflowResponse* event) override {
    grpc::ServerWriteReactor<v1::StreamWorkflowResponse>::StartWrite(event);
  }
  void Finish(grpc::Status status) override {
    grpc::ServerWriteReactor<v1::StreamWorkflowResponse>::Finish(std::move(status));
  }

  void Begin(const v1::StreamWorkflowRequest& request);
  void Complete(executor::ExecutionRecord record);
  void CloseSession();

  const ServiceEnvironment& env_;
  grpc::CallbackServerContext* const context_;
  std::shared_ptr<StreamSession> session_;
  ExecutionCall call_;
  // The last event and final status, set by the completion before call_.Finished (see
  // ExecutionCall), sent by CloseSession.
  v1::StreamWorkflowResponse finished_event_;
  grpc::Status final_status_;
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_STREAM_REACTOR_H_
