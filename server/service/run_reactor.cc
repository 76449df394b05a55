#include "server/service/run_reactor.h"

#include <optional>
#include <utility>

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
  grpc::Status refusal;
  std::optional<PreparedExecution> prepared = call_.Prepare(request, refusal);
  if (!prepared.has_value()) return Finish(std::move(refusal));
  if (call_.Start(*std::move(prepared),
                  [this](executor::ExecutionRecord record) { Complete(std::move(record)); })) {
    Finish(final_status_);
  }
}

void RunReactor::Complete(executor::ExecutionRecord record) {
  if (record.status.ok()) {
    absl::Status converted = RecordToRunResponse(record, *env_.scrubber, *response_);
    if (!converted.ok()) {
      final_status_ =
          FailCall(*context_, converted, FailureOf(record), *env_.scrubber, env_.max_retry_after);
    }
  } else {
    final_status_ =
        FailCall(*context_, record.status, FailureOf(record), *env_.scrubber, env_.max_retry_after);
  }
  if (call_.Finished(record)) Finish(final_status_);
}

}  // namespace flowhost::service
