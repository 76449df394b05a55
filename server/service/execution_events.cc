#include "server/service/execution_events.h"

#include <string>

#include "google/protobuf/descriptor.h"
#include "server/service/json_proto.h"
#include "server/service/proto_convert.h"

namespace flowhost::service {

std::string EventKind(const v1::StreamWorkflowResponse& event) {
  const google::protobuf::OneofDescriptor* oneof =
      v1::StreamWorkflowResponse::descriptor()->FindOneofByName("event");
  const google::protobuf::FieldDescriptor* field =
      event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  return field == nullptr ? std::string() : field->name();
}

v1::StreamWorkflowResponse ExecutionStartedEvent(std::string_view execution_id,
                                                 std::string_view workflow, absl::Time started) {
  v1::StreamWorkflowResponse event;
  v1::ExecutionStarted& body = *event.mutable_execution_started();
  body.set_execution_id(std::string(execution_id));
  body.set_workflow(std::string(workflow));
  ToTimestamp(started, *body.mutable_start_time());
  return event;
}

v1::StreamWorkflowResponse NodeStartedEvent(std::string_view node, int attempt) {
  v1::StreamWorkflowResponse event;
  event.mutable_node_started()->set_node(std::string(node));
  event.mutable_node_started()->set_attempt(attempt);
  return event;
}

v1::StreamWorkflowResponse NodeResultEvent(const executor::NodeRecord& record,
                                           const common::SecretScrubber& scrubber) {
  v1::StreamWorkflowResponse event;
  NodeRecordToProto(record, scrubber,
                    record.status == executor::NodeStatus::kFailed ? *event.mutable_node_failed()
                                                                   : *event.mutable_node_finished());
  return event;
}

v1::StreamWorkflowResponse ExecutionFinishedEvent(const executor::ExecutionRecord& record,
                                                  const common::SecretScrubber& scrubber) {
  v1::StreamWorkflowResponse event;
  v1::ExecutionFinished& finished = *event.mutable_execution_finished();
  finished.set_status(ExecutionStatusToProto(record.status));
  finished.set_failed_node(record.failed_node);
  if (record.status.ok()) {
    for (const sdk::Json& item : record.output) {
      if (!JsonToValue(item, *finished.add_output_items()).ok()) {
        finished.clear_output_items();
        break;
      }
    }
  } else {
    ErrorToProto(record.status, scrubber, *finished.mutable_error());
  }
  RecordToSummary(record, scrubber, *finished.mutable_summary());
  return event;
}

v1::StreamWorkflowResponse FinishedEventFromRow(const store::ExecutionRow& row,
                                                const common::SecretScrubber& scrubber) {
  v1::StreamWorkflowResponse event;
  v1::ExecutionFinished& finished = *event.mutable_execution_finished();
  switch (row.status) {
    case store::ExecutionStatus::kSucceeded:
      finished.set_status(v1::EXECUTION_STATUS_SUCCEEDED);
      break;
    case store::ExecutionStatus::kCancelled:
      finished.set_status(v1::EXECUTION_STATUS_CANCELLED);
      break;
    default:
      finished.set_status(ExecutionStatusToProto(row.error.ok() ? absl::UnknownError("failed")
                                                                : row.error));
      break;
  }
  if (!row.error.ok()) ErrorToProto(row.error, scrubber, *finished.mutable_error());
  finished.set_failed_node(row.failed_node);
  return event;
}

}  // namespace flowhost::service
