// The steps RunWorkflow and StreamWorkflow share before an execution starts: authenticate the
// caller, find the workflow (by name, or compile inline YAML), check the inputs, take a place at
// the ExecutionGate, and build the ExecutionRequest with the caller's deadline and a fresh
// execution id. And the one after it ends: the structured log line.
//
// Thread-safety: pure functions over a ServiceEnvironment (itself thread-safe).
#ifndef FLOWHOST_SERVER_SERVICE_EXECUTION_LAUNCHER_H_
#define FLOWHOST_SERVER_SERVICE_EXECUTION_LAUNCHER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"
#include "grpcpp/server_context.h"
#include "server/executor/execution_record.h"
#include "server/executor/executor.h"
#include "server/service/execution_gate.h"
#include "server/service/service_environment.h"
#include "server/service/status_mapping.h"

namespace flowhost::service {

// Which workflow a request names (the request's `source` oneof).
struct WorkflowSource {
  enum class Kind { kNone, kName, kYaml };
  Kind kind = Kind::kNone;
  std::string text;  // the name or the YAML
};

// Reads the source of a RunWorkflowRequest or StreamWorkflowRequest (they share field numbers).
template <typename Request>
WorkflowSource SourceOf(const Request& request) {
  switch (request.source_case()) {
    case Request::kWorkflow:
      return {WorkflowSource::Kind::kName, request.workflow()};
    case Request::kYaml:
      return {WorkflowSource::Kind::kYaml, request.yaml()};
    default:
      return {};
  }
}

// An execution ready to start.
struct PreparedExecution {
  executor::ExecutionRequest request;  // workflow, bound inputs, deadline, id
  // Its place at the gate; null when the gate was full and the caller allowed queueing.
  std::unique_ptr<ExecutionGate::Ticket> ticket;
};

// What PrepareExecution does when the gate is full (limits.max_executions_in_flight).
enum class WhenBusy {
  kRefuse,  // RESOURCE_EXHAUSTED (a synchronous run: its caller waits)
  kQueue,   // prepared without a ticket: the caller queues it in the store (StartWorkflow)
};

// Everything up to the start. On failure returns the status to map and fills `failure` (workflow
// name, YAML diagnostics).
absl::StatusOr<PreparedExecution> PrepareExecution(const ServiceEnvironment& env,
                                                   const grpc::CallbackServerContext& context,
                                                   const WorkflowSource& source,
                                                   const google::protobuf::Struct* input,
                                                   FailureContext& failure,
                                                   WhenBusy when_busy = WhenBusy::kRefuse);

// The same with the inputs as JSON (a retried execution's stored input).
absl::StatusOr<PreparedExecution> PrepareExecution(const ServiceEnvironment& env,
                                                   const grpc::CallbackServerContext& context,
                                                   const WorkflowSource& source,
                                                   const sdk::Json& inputs,
                                                   FailureContext& failure,
                                                   WhenBusy when_busy = WhenBusy::kRefuse);

// Starts `request` in the background, recorded by `recording` (made its observer): logs the
// start as `rpc`, records the outcome and reports it when it ends, and holds `ticket` (its place
// at the ExecutionGate, which may cancel it at shutdown) until then. StartWorkflow,
// RetryExecution and resumed executions start this way; a `wait` with more than
// env.durable_wait_threshold left parks such an execution in the store (Recording::Park). Any thread.
void StartRecorded(const ServiceEnvironment& env, std::string_view rpc,
                   std::shared_ptr<Recording> recording, executor::ExecutionRequest request,
                   std::shared_ptr<ExecutionGate::Ticket> ticket);

// What a failed execution's status is about: the failed node, its attempts and upstream calls; or,
// when no node's failure stopped it (a deadline, a cancellation), the calls of the nodes it
// stopped.
FailureContext FailureOf(const executor::ExecutionRecord& record);

// Why the call went away, for ExecutionHandle::Cancel: DEADLINE_EXCEEDED when the caller's deadline
// has passed or is less than 250 ms away (the caller's own deadline timer cancels the call a
// little before the server's view of that deadline), CANCELLED otherwise.
absl::Status CallerGoneReason(const grpc::CallbackServerContext& context);

// Logs one line for a started execution: id, workflow, rpc.
void LogExecutionStarted(const ServiceEnvironment& env, std::string_view rpc,
                         const executor::ExecutionRequest& request);

// Reports a finished execution: one log line (id, workflow, rpc, status, error class, failed node,
// duration, tokens and cost) and its count in the metrics.
void ReportExecutionFinished(const ServiceEnvironment& env, std::string_view rpc,
                             const executor::ExecutionRecord& record);

// Logs one line for an execution that left this server without finishing (it is not counted in
// the metrics): parked on a durable timer, or released at shutdown for the next server to resume
// (`ending`, Recording::Finish). Id, workflow, rpc, how long it ran here.
void LogExecutionLeft(const ServiceEnvironment& env, std::string_view rpc,
                      const executor::ExecutionRecord& record, Recording::Ending ending);

// A fresh execution id: "ex-", the time in milliseconds (12 hex digits) and 10 random hex digits,
// so that ids sort by creation time (roughly, across servers).
std::string NewExecutionId();

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_EXECUTION_LAUNCHER_H_
