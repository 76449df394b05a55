#include "server/service/proto_convert.h"

#include <string>

#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "server/service/json_proto.h"

namespace flowhost::service {
namespace {

bool IsFinite(absl::Time time) {
  return time != absl::InfinitePast() && time != absl::InfiniteFuture();
}

std::string_view InputTypeName(workflow::InputSpec::Type type) {
  switch (type) {
    case workflow::InputSpec::Type::kString:
      return "string";
    case workflow::InputSpec::Type::kNumber:
      return "number";
    case workflow::InputSpec::Type::kInteger:
      return "integer";
    case workflow::InputSpec::Type::kBoolean:
      return "boolean";
    case workflow::InputSpec::Type::kObject:
      return "object";
    case workflow::InputSpec::Type::kArray:
      return "array";
  }
  return "string";
}

int32_t ClampToInt32(size_t value) {
  return value > static_cast<size_t>(INT32_MAX) ? INT32_MAX : static_cast<int32_t>(value);
}

}  // namespace

void ToTimestamp(absl::Time time, google::protobuf::Timestamp& out) {
  if (!IsFinite(time)) return;
  absl::Duration since_epoch = time - absl::UnixEpoch();
  int64_t seconds = absl::IDivDuration(since_epoch, absl::Seconds(1), &since_epoch);
  int64_t nanos = absl::ToInt64Nanoseconds(since_epoch);
  if (nanos < 0) {  // Timestamp wants non-negative nanos
    --seconds;
    nanos += 1'000'000'000;
  }
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(nanos));
}

void ToDuration(absl::Duration duration, google::protobuf::Duration& out) {
  if (duration == absl::InfiniteDuration() || duration == -absl::InfiniteDuration()) return;
  absl::Duration rest = duration;
  int64_t seconds = absl::IDivDuration(rest, absl::Seconds(1), &rest);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(rest)));  // same sign as seconds
}

void DiagnosticToProto(const workflow::Diagnostic& diagnostic, v1::Diagnostic& out) {
  out.set_severity(diagnostic.is_error() ? v1::Diagnostic::SEVERITY_ERROR
                                         : v1::Diagnostic::SEVERITY_WARNING);
  out.set_file(diagnostic.location.file);
  out.set_line(diagnostic.location.line);
  out.set_column(diagnostic.location.column);
  out.set_path(diagnostic.path);
  out.set_message(diagnostic.message);
}

void AttemptToProto(const sdk::AttemptRecord& attempt, const common::SecretScrubber& scrubber,
                    v1::UpstreamCall& out) {
  out.set_route(attempt.route);
  out.set_model(attempt.model);
  out.set_provider(attempt.provider);
  out.set_outcome(attempt.outcome);
  out.set_error_class(attempt.error_class);
  out.set_error_message(scrubber.Scrub(attempt.error_message));
  out.set_prompt_tokens(attempt.prompt_tokens);
  out.set_completion_tokens(attempt.completion_tokens);
  out.set_cost_usd(attempt.cost_usd);
  ToDuration(attempt.latency, *out.mutable_latency());
  out.set_item_index(ClampToInt32(attempt.item_index));
  out.set_attempt(attempt.attempt);
}

v1::NodeStatus NodeStatusToProto(executor::NodeStatus status) {
  switch (status) {
    case executor::NodeStatus::kNotRun:
      return v1::NODE_STATUS_NOT_RUN;
    case executor::NodeStatus::kRunning:
      return v1::NODE_STATUS_RUNNING;
    case executor::NodeStatus::kSucceeded:
      return v1::NODE_STATUS_SUCCEEDED;
    case executor::NodeStatus::kFailed:
      return v1::NODE_STATUS_FAILED;
    case executor::NodeStatus::kSkipped:
      return v1::NODE_STATUS_SKIPPED;
    case executor::NodeStatus::kDisabled:
      return v1::NODE_STATUS_DISABLED;
    case executor::NodeStatus::kCancelled:
      return v1::NODE_STATUS_CANCELLED;
  }
  return v1::NODE_STATUS_UNSPECIFIED;
}

void ErrorToProto(const absl::Status& error, const common::SecretScrubber& scrubber,
                  v1::ExecutionError& out) {
  out.set_error_class(sdk::ErrorClassOf(error));
  out.set_message(scrubber.Scrub(sdk::AsStd(error.message())));
}

void NodeRecordToProto(const executor::NodeRecord& record, const common::SecretScrubber& scrubber,
                       v1::NodeSummary& out) {
  out.set_name(record.name);
  out.set_type(record.type);
  out.set_status(NodeStatusToProto(record.status));
  out.set_attempts(record.attempts);
  ToTimestamp(record.started_at, *out.mutable_start_time());
  ToTimestamp(record.finished_at, *out.mutable_end_time());
  if (IsFinite(record.started_at) && IsFinite(record.finished_at)) {
    ToDuration(record.finished_at - record.started_at, *out.mutable_duration());
  }
  out.set_items_in(ClampToInt32(record.items_in));
  out.set_items_out(ClampToInt32(record.items_out));
  out.set_model(record.model);
  out.set_prompt_tokens(record.prompt_tokens);
  out.set_completion_tokens(record.completion_tokens);
  out.set_cost_usd(record.cost_usd);
  for (const sdk::AttemptRecord& call : record.calls) {
    AttemptToProto(call, scrubber, *out.add_calls());
  }
  if (!record.error.ok()) ErrorToProto(record.error, scrubber, *out.mutable_error());
}

void RecordToSummary(const executor::ExecutionRecord& record,
                     const common::SecretScrubber& scrubber, v1::ExecutionSummary& out) {
  RecordToSummaryTotals(record, out);
  for (const executor::NodeRecord& node : record.nodes) {
    NodeRecordToProto(node, scrubber, *out.add_nodes());
  }
}

void RecordToSummaryTotals(const executor::ExecutionRecord& record, v1::ExecutionSummary& out) {
  ToTimestamp(record.started_at, *out.mutable_start_time());
  ToTimestamp(record.finished_at, *out.mutable_end_time());
  if (IsFinite(record.started_at) && IsFinite(record.finished_at)) {
    ToDuration(record.finished_at - record.started_at, *out.mutable_duration());
  }
  out.set_prompt_tokens(record.prompt_tokens);
  out.set_completion_tokens(record.completion_tokens);
  out.set_total_tokens(record.prompt_tokens + record.completion_tokens);
  out.set_cost_usd(record.cost_usd);
}

absl::Status RecordToRunResponse(const executor::ExecutionRecord& record,
                                 const common::SecretScrubber& scrubber,
                                 v1::RunWorkflowResponse& out) {
  out.set_execution_id(record.id);
  out.set_workflow(record.workflow);
  for (const sdk::Json& item : record.output) {
    absl::Status converted = JsonToValue(item, *out.add_output_items());
    if (!converted.ok()) {
      out.Clear();
      return converted;
    }
  }
  RecordToSummary(record, scrubber, *out.mutable_summary());
  return absl::OkStatus();
}

v1::ExecutionStatus ExecutionStatusToProto(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return v1::EXECUTION_STATUS_SUCCEEDED;
    case absl::StatusCode::kCancelled:
      return v1::EXECUTION_STATUS_CANCELLED;
    case absl::StatusCode::kDeadlineExceeded:
      return v1::EXECUTION_STATUS_DEADLINE_EXCEEDED;
    default:
      return v1::EXECUTION_STATUS_FAILED;
  }
}

absl::Status NodeTypeToProto(const sdk::NodeTypeInfo& info, v1::NodeType& out) {
  out.set_type(info.type);
  out.set_version(info.version);
  out.set_description(info.description);
  if (info.parameter_schema.is_object()) {
    absl::Status status = JsonToStruct(info.parameter_schema, *out.mutable_parameter_schema());
    if (!status.ok()) return status;
  }
  if (info.output_schema.is_object()) {
    absl::Status status = JsonToStruct(info.output_schema, *out.mutable_output_schema());
    if (!status.ok()) return status;
  }
  for (const sdk::PortInfo& port : info.inputs) {
    v1::Port& input = *out.add_inputs();
    input.set_name(port.name);
    input.set_description(port.description);
  }
  for (const sdk::PortInfo& port : info.outputs) {
    v1::Port& output = *out.add_outputs();
    output.set_name(port.name);
    output.set_description(port.description);
  }
  return absl::OkStatus();
}

void WorkflowToProto(const workflow::CompiledWorkflow& workflow, v1::WorkflowView view,
                     v1::Workflow& out) {
  out.set_name(workflow.name);
  out.set_description(workflow.description);
  for (const workflow::InputSpec& spec : workflow.inputs) {
    v1::WorkflowInput& input = *out.add_inputs();
    input.set_name(spec.name);
    input.set_type(std::string(InputTypeName(spec.type)));
    input.set_required(spec.required);
    if (spec.default_value.has_value()) {
      // A default too deep for protobuf is left out; the workflow still runs with it.
      if (!JsonToValue(*spec.default_value, *input.mutable_default_value()).ok()) {
        input.clear_default_value();
      }
    }
    input.set_description(spec.description);
  }
  for (const workflow::CompiledNode& node : workflow.nodes) {
    v1::WorkflowNode& entry = *out.add_nodes();
    entry.set_name(node.name);
    entry.set_type(node.type != nullptr ? node.type->info().type : "");
    entry.set_disabled(node.settings.disabled);
    entry.set_attached(node.attached);
  }
  if (workflow.expose_openai) out.add_expose("openai");
  if (view == v1::WORKFLOW_VIEW_FULL) out.set_yaml(workflow.source_text);
}

}  // namespace flowhost::service
