// Turns the host's own types (execution records, diagnostics, node type descriptions, compiled
// workflows) into their flowhost.v1 messages. The reverse is never needed: the API only reads them.
//
// Texts that may carry upstream error messages go through the SecretScrubber on their way out.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_SERVICE_PROTO_CONVERT_H_
#define FLOWHOST_SERVER_SERVICE_PROTO_CONVERT_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/usage.h"
#include "flowhost/v1/workflow.pb.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/common/secret_scrubber.h"
#include "server/executor/execution_record.h"
#include "server/workflow/diagnostic.h"
#include "server/workflow/workflow.h"

namespace flowhost::service {

// Sets `out` to `time`; leaves it untouched for an infinite time (unset in the message).
void ToTimestamp(absl::Time time, google::protobuf::Timestamp& out);
void ToDuration(absl::Duration duration, google::protobuf::Duration& out);

void DiagnosticToProto(const workflow::Diagnostic& diagnostic, v1::Diagnostic& out);
void AttemptToProto(const sdk::AttemptRecord& attempt, const common::SecretScrubber& scrubber,
                    v1::UpstreamCall& out);
v1::NodeStatus NodeStatusToProto(executor::NodeStatus status);
void ErrorToProto(const absl::Status& error, const common::SecretScrubber& scrubber,
                  v1::ExecutionError& out);
void NodeRecordToProto(const executor::NodeRecord& record, const common::SecretScrubber& scrubber,
                       v1::NodeSummary& out);
void RecordToSummary(const executor::ExecutionRecord& record,
                     const common::SecretScrubber& scrubber, v1::ExecutionSummary& out);
// RecordToSummary without the nodes: timings, tokens and cost.
void RecordToSummaryTotals(const executor::ExecutionRecord& record, v1::ExecutionSummary& out);
// RunWorkflow's answer for a successful execution: id, workflow, output items and summary. Fails
// (leaving `out` cleared) only when an output item cannot become a Value (see JsonToValue).
absl::Status RecordToRunResponse(const executor::ExecutionRecord& record,
                                 const common::SecretScrubber& scrubber,
                                 v1::RunWorkflowResponse& out);
// How the execution ended, from its status (OK, CANCELLED, DEADLINE_EXCEEDED or anything else).
v1::ExecutionStatus ExecutionStatusToProto(const absl::Status& status);

// A node type as ListNodeTypes shows it. INVALID_ARGUMENT only if its schema cannot become a
// Struct.
absl::Status NodeTypeToProto(const sdk::NodeTypeInfo& info, v1::NodeType& out);

// A compiled workflow's description: name, description, inputs, nodes, and its YAML when `view` is
// FULL. Load state, file and diagnostics are the workflow store's to fill in.
void WorkflowToProto(const workflow::CompiledWorkflow& workflow, v1::WorkflowView view,
                     v1::Workflow& out);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_PROTO_CONVERT_H_
