#include "server/service/execution_events.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
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

namespace {

// Protobuf's wire format, for the events serialised by hand (field numbers from the generated
// code, so that a renumbering fails to compile rather than to parse).
constexpr uint32_t kVarintWire = 0;
constexpr uint32_t kFixed64Wire = 1;
constexpr uint32_t kLengthWire = 2;

void AppendWireVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

size_t WireVarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void AppendWireTag(std::string& out, int field, uint32_t wire_type) {
  AppendWireVarint(out, (static_cast<uint64_t>(field) << 3) | wire_type);
}

// A length-delimited field's tag and length; its bytes follow.
void AppendWireLength(std::string& out, int field, size_t size) {
  AppendWireTag(out, field, kLengthWire);
  AppendWireVarint(out, size);
}

// A proto3 string field: left out when empty.
void AppendWireString(std::string& out, int field, std::string_view text) {
  if (text.empty()) return;
  AppendWireLength(out, field, text.size());
  out.append(text);
}

// A proto3 int32 or int64 field: left out when zero; negative values take ten bytes.
void AppendWireInt(std::string& out, int field, int64_t value) {
  if (value == 0) return;
  AppendWireTag(out, field, kVarintWire);
  AppendWireVarint(out, static_cast<uint64_t>(value));
}

// The bytes of a serialised message in a length-delimited field.
void AppendWireMessage(std::string& out, int field, std::string_view bytes) {
  AppendWireLength(out, field, bytes.size());
  out.append(bytes);
}

// A proto3 double field: left out when its bits are all zero (0.0, not -0.0), as protobuf does.
void AppendWireDouble(std::string& out, int field, double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  if (bits == 0) return;
  AppendWireTag(out, field, kFixed64Wire);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

// A Timestamp as ToTimestamp fills it, serialised (empty for an infinite time).
std::string TimestampBytes(absl::Time time) {
  google::protobuf::Timestamp stamp;
  ToTimestamp(time, stamp);
  std::string bytes;
  AppendWireInt(bytes, google::protobuf::Timestamp::kSecondsFieldNumber, stamp.seconds());
  AppendWireInt(bytes, google::protobuf::Timestamp::kNanosFieldNumber, stamp.nanos());
  return bytes;
}

}  // namespace

std::string ExecutionStartedEventBytes(std::string_view execution_id, std::string_view workflow,
                                       absl::Time started) {
  const std::string stamp = TimestampBytes(started);
  std::string body;
  body.reserve(execution_id.size() + workflow.size() + stamp.size() + 8);
  AppendWireString(body, v1::ExecutionStarted::kExecutionIdFieldNumber, execution_id);
  AppendWireString(body, v1::ExecutionStarted::kWorkflowFieldNumber, workflow);
  AppendWireMessage(body, v1::ExecutionStarted::kStartTimeFieldNumber, stamp);
  std::string event;
  event.reserve(body.size() + 4);
  AppendWireMessage(event, v1::StreamWorkflowResponse::kExecutionStartedFieldNumber, body);
  return event;
}

std::string NodeStartedEventBytes(std::string_view node, int attempt) {
  std::string body;
  body.reserve(node.size() + 16);
  AppendWireString(body, v1::NodeStarted::kNodeFieldNumber, node);
  AppendWireInt(body, v1::NodeStarted::kAttemptFieldNumber, attempt);
  std::string event;
  event.reserve(body.size() + 4);
  AppendWireMessage(event, v1::StreamWorkflowResponse::kNodeStartedFieldNumber, body);
  return event;
}

std::string NodeSummaryBytes(const executor::NodeRecord& record,
                             const common::SecretScrubber& scrubber) {
  v1::NodeSummary summary;
  NodeRecordToProto(record, scrubber, summary);
  return summary.SerializeAsString();
}

std::string NodeResultEventBytes(std::string_view summary, bool failed) {
  std::string event;
  event.reserve(summary.size() + 6);
  AppendWireMessage(event,
                    failed ? v1::StreamWorkflowResponse::kNodeFailedFieldNumber
                           : v1::StreamWorkflowResponse::kNodeFinishedFieldNumber,
                    summary);
  return event;
}

NodeSummaryStamp NodeSummaryStamp::Of(const executor::NodeRecord& record) {
  NodeSummaryStamp stamp;
  stamp.status = record.status;
  stamp.attempts = record.attempts;
  stamp.started_at = record.started_at;
  stamp.finished_at = record.finished_at;
  stamp.items_in = record.items_in;
  stamp.items_out = record.items_out;
  stamp.calls = record.calls.size();
  stamp.prompt_tokens = record.prompt_tokens;
  stamp.completion_tokens = record.completion_tokens;
  stamp.cost_usd = record.cost_usd;
  stamp.error = record.error;
  return stamp;
}

// ExecutionFinishedEvent's fields are numbered so that the summary comes last in the event, and
// the nodes last in the summary: the event is the event without its summary's nodes, followed by
// them, the lengths around adjusted.
static_assert(v1::ExecutionFinished::kSummaryFieldNumber == 5 &&
                  v1::ExecutionSummary::kNodesFieldNumber == 8,
              "ExecutionFinishedEventBytes appends the summary, then its nodes, last");

std::string ExecutionFinishedEventBytes(
    const executor::ExecutionRecord& record, const common::SecretScrubber& scrubber,
    bool with_output,
    absl::FunctionRef<const LoggedNodeSummary*(const executor::NodeRecord&)> logged) {
  // The event as ExecutionFinishedEvent makes it, but for the summary (below).
  std::string finished;
  AppendWireInt(finished, v1::ExecutionFinished::kStatusFieldNumber,
                ExecutionStatusToProto(record.status));
  if (!record.status.ok()) {
    v1::ExecutionError error;
    ErrorToProto(record.status, scrubber, error);
    AppendWireMessage(finished, v1::ExecutionFinished::kErrorFieldNumber,
                      error.SerializeAsString());
  }
  AppendWireString(finished, v1::ExecutionFinished::kFailedNodeFieldNumber, record.failed_node);
  if (record.status.ok() && with_output) {
    std::string items;
    google::protobuf::Value value;
    for (const sdk::Json& item : record.output) {
      value.Clear();
      if (!JsonToValue(item, value).ok()) {
        items.clear();
        break;
      }
      AppendWireMessage(items, v1::ExecutionFinished::kOutputItemsFieldNumber,
                        value.SerializeAsString());
    }
    finished.append(items);
  }
  // The summary's totals (RecordToSummaryTotals).
  std::string summary_totals;
  AppendWireMessage(summary_totals, v1::ExecutionSummary::kStartTimeFieldNumber,
                    TimestampBytes(record.started_at));
  AppendWireMessage(summary_totals, v1::ExecutionSummary::kEndTimeFieldNumber,
                    TimestampBytes(record.finished_at));
  if (record.started_at != absl::InfinitePast() && record.started_at != absl::InfiniteFuture() &&
      record.finished_at != absl::InfinitePast() && record.finished_at != absl::InfiniteFuture()) {
    google::protobuf::Duration duration;
    ToDuration(record.finished_at - record.started_at, duration);
    std::string bytes;
    AppendWireInt(bytes, google::protobuf::Duration::kSecondsFieldNumber, duration.seconds());
    AppendWireInt(bytes, google::protobuf::Duration::kNanosFieldNumber, duration.nanos());
    AppendWireMessage(summary_totals, v1::ExecutionSummary::kDurationFieldNumber, bytes);
  }
  AppendWireInt(summary_totals, v1::ExecutionSummary::kPromptTokensFieldNumber,
                record.prompt_tokens);
  AppendWireInt(summary_totals, v1::ExecutionSummary::kCompletionTokensFieldNumber,
                record.completion_tokens);
  AppendWireInt(summary_totals, v1::ExecutionSummary::kTotalTokensFieldNumber,
                record.prompt_tokens + record.completion_tokens);
  AppendWireDouble(summary_totals, v1::ExecutionSummary::kCostUsdFieldNumber, record.cost_usd);
  // Each node's summary: the one logged for it, else one made here.
  std::vector<std::string> built(record.nodes.size());
  std::vector<std::string_view> nodes(record.nodes.size());
  const size_t nodes_tag = WireVarintSize(uint64_t{v1::ExecutionSummary::kNodesFieldNumber} << 3);
  size_t summary_size = summary_totals.size();
  for (size_t i = 0; i < record.nodes.size(); ++i) {
    const LoggedNodeSummary* kept = logged(record.nodes[i]);
    if (kept != nullptr && kept->stamp == NodeSummaryStamp::Of(record.nodes[i])) {
      nodes[i] = kept->bytes;
    } else {
      built[i] = NodeSummaryBytes(record.nodes[i], scrubber);
      nodes[i] = built[i];
    }
    summary_size += nodes_tag + WireVarintSize(nodes[i].size()) + nodes[i].size();
  }
  const size_t body_size = finished.size() + 1 + WireVarintSize(summary_size) + summary_size;
  std::string event;
  event.reserve(1 + WireVarintSize(body_size) + body_size);
  AppendWireLength(event, v1::StreamWorkflowResponse::kExecutionFinishedFieldNumber, body_size);
  event.append(finished);
  AppendWireLength(event, v1::ExecutionFinished::kSummaryFieldNumber, summary_size);
  event.append(summary_totals);
  for (std::string_view node : nodes) {
    AppendWireMessage(event, v1::ExecutionSummary::kNodesFieldNumber, node);
  }
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
