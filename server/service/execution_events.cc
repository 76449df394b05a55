#include "server/service/execution_events.h"

#include <string>

#include "absl/strings/str_cat.h"
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
                                                  const common::SecretScrubber& scrubber,
                                                  bool with_output) {
  v1::StreamWorkflowResponse event;
  v1::ExecutionFinished& finished = *event.mutable_execution_finished();
  finished.set_status(ExecutionStatusToProto(record.status));
  finished.set_failed_node(record.failed_node);
  if (record.status.ok()) {
    if (!with_output) {
      RecordToSummary(record, scrubber, *finished.mutable_summary());
      return event;
    }
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

void SetFinishedOutput(std::string_view output_json, v1::StreamWorkflowResponse& event) {
  v1::ExecutionFinished& finished = *event.mutable_execution_finished();
  finished.clear_output_items();
  sdk::Json items = sdk::Json::parse(output_json, nullptr, /*allow_exceptions=*/false);
  if (!items.is_array()) return;
  for (const sdk::Json& item : items) {
    if (!JsonToValue(item, *finished.add_output_items()).ok()) {
      finished.clear_output_items();
      return;
    }
  }
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

namespace {

// Unsigned LEB128, as protobuf's varints.
void AppendVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

bool ReadVarint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

// Each event: a varint of its size times two, plus one when its output is left to the row; then
// its bytes.
std::string EncodeEventBatch(int64_t first_sequence, std::span<const HeldEvent> events) {
  size_t size = 10;
  for (const HeldEvent& event : events) size += event.payload.size() + 5;
  std::string out;
  out.reserve(size);
  AppendVarint(out, static_cast<uint64_t>(first_sequence));
  for (const HeldEvent& event : events) {
    AppendVarint(out, (uint64_t{event.payload.size()} << 1) | (event.output_in_row ? 1 : 0));
    out.append(event.payload);
  }
  return out;
}

absl::StatusOr<std::vector<BatchedEvent>> DecodeEventBatch(std::string_view payload) {
  uint64_t sequence = 0;
  if (!ReadVarint(payload, sequence)) {
    return absl::DataLossError("an event batch has no first sequence number");
  }
  std::vector<BatchedEvent> events;
  while (!payload.empty()) {
    uint64_t header = 0;
    if (!ReadVarint(payload, header) || (header >> 1) > payload.size()) {
      return absl::DataLossError(
          absl::StrCat("event ", sequence, " of an event batch is cut short"));
    }
    uint64_t size = header >> 1;
    events.push_back(
        BatchedEvent{static_cast<int64_t>(sequence++), payload.substr(0, size), (header & 1) != 0});
    payload.remove_prefix(size);
  }
  return events;
}

}  // namespace flowhost::service
