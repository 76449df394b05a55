// The events of an execution's log (docs/executions.md, "Watching an execution"): the
// StreamWorkflow events the recorder appends to the execution store as they happen, and that
// WatchExecution reads back. Each is stored as a serialised v1::StreamWorkflowResponse under its
// kind, the name of the event's field ("node_started").
//
// Token deltas are not logged (an LLM answer would be thousands of events); a watcher gets the
// node's text in its node_finished summary and the execution's output.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_SERVICE_EXECUTION_EVENTS_H_
#define FLOWHOST_SERVER_SERVICE_EXECUTION_EVENTS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "server/common/secret_scrubber.h"
#include "server/executor/execution_record.h"
#include "server/store/execution_model.h"

namespace flowhost::service {

// The kind an event is stored under: the name of its oneof field; empty for an empty event.
std::string EventKind(const v1::StreamWorkflowResponse& event);

// The events as messages. The recorder logs the *Bytes functions' output below instead; these
// are the reference those bytes are tested against (EventBytesTest) and measured beside
// (bench/micro/recorder_events_bench).
v1::StreamWorkflowResponse ExecutionStartedEvent(std::string_view execution_id,
                                                 std::string_view workflow, absl::Time started);
v1::StreamWorkflowResponse NodeStartedEvent(std::string_view node, int attempt);
// node_finished, or node_failed for a failed node.
v1::StreamWorkflowResponse NodeResultEvent(const executor::NodeRecord& record,
                                           const common::SecretScrubber& scrubber);
// execution_finished with the outcome, the output items and the summary. An output item that
// cannot become a Value leaves the items out (the summary still says what happened). Without
// `with_output` the items are left out: the log's copy of an event whose output the execution's
// row holds (kFinishedOutputInRowKind).
v1::StreamWorkflowResponse ExecutionFinishedEvent(const executor::ExecutionRecord& record,
                                                  const common::SecretScrubber& scrubber,
                                                  bool with_output = true);
// ---- The same events, serialised without building them ----
// The recorder logs at least four events per execution: these give the bytes that serialising
// the event of the function above of the same name gives, without building the message (each
// node's summary is built and serialised once, for its node_finished and execution_finished).

std::string ExecutionStartedEventBytes(std::string_view execution_id, std::string_view workflow,
                                       absl::Time started);
std::string NodeStartedEventBytes(std::string_view node, int attempt);
// A node's NodeSummary (NodeRecordToProto), serialised.
std::string NodeSummaryBytes(const executor::NodeRecord& record,
                             const common::SecretScrubber& scrubber);
// node_finished, or node_failed when `failed`, around a serialised NodeSummary.
std::string NodeResultEventBytes(std::string_view summary, bool failed);

// What a node's summary is made of that may change after the executor has published the node's
// result (a running node cancelled at the execution's end): two records of one node with the
// same stamp give the same NodeSummary.
struct NodeSummaryStamp {
  executor::NodeStatus status = executor::NodeStatus::kNotRun;
  int attempts = 0;
  absl::Time started_at;
  absl::Time finished_at;
  size_t items_in = 0;
  size_t items_out = 0;
  size_t calls = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
  absl::Status error;

  static NodeSummaryStamp Of(const executor::NodeRecord& record);
  bool operator==(const NodeSummaryStamp& other) const = default;
};

// A node summary serialised for a logged node_finished, kept for the execution_finished.
struct LoggedNodeSummary {
  NodeSummaryStamp stamp;
  std::string bytes;
};

// ExecutionFinishedEvent serialised. `logged(node)` gives the summary serialised for the node's
// node_finished when there is one (null otherwise): it is used when its stamp matches the node's
// record in `record`, else the node's summary is made here.
std::string ExecutionFinishedEventBytes(
    const executor::ExecutionRecord& record, const common::SecretScrubber& scrubber,
    bool with_output,
    absl::FunctionRef<const LoggedNodeSummary*(const executor::NodeRecord&)> logged);

// The kind of a logged execution_finished whose output items were left out because the
// execution's stored output holds them (its row refers to its nodes' outputs): WatchExecution
// puts them back from GetExecution's output before sending the event.
inline constexpr std::string_view kFinishedOutputInRowKind = "execution_finished_output_in_row";
// Fills `event`'s output items from a stored output (JSON array text), as ExecutionFinishedEvent
// would have from the items themselves.
void SetFinishedOutput(std::string_view output_json, v1::StreamWorkflowResponse& event);
// execution_finished for an execution that ended with no such event in its log (failed or
// cancelled without running: its server stopped and it could not resume, a cancelled queued
// one), from its row: status, error and failed node.
v1::StreamWorkflowResponse FinishedEventFromRow(const store::ExecutionRow& row,
                                                const common::SecretScrubber& scrubber);

// A log row holding several events with consecutive sequence numbers: a synchronous run's events,
// written at once when it ends unless someone watched it meanwhile (execution_recorder.h). The
// row's sequence is its last event's, so a read from any sequence number finds the row that holds
// it; WatchExecution expands it.
inline constexpr std::string_view kEventBatchKind = "event_batch";

// An event as the recorder holds it for a batch: its serialised StreamWorkflowResponse, and
// whether it is an execution_finished whose output is left to the row (kFinishedOutputInRowKind).
struct HeldEvent {
  std::string payload;
  bool output_in_row = false;
};

// One event of a batch: its sequence number and its serialised StreamWorkflowResponse.
struct BatchedEvent {
  int64_t sequence = 0;
  std::string_view payload;  // points into the batch's text
  bool output_in_row = false;
};

// The payload of a batch row: the events' serialised messages, numbered from `first_sequence`.
std::string EncodeEventBatch(int64_t first_sequence, std::span<const HeldEvent> events);
// The events of a batch row's payload (views into it); DATA_LOSS when it does not decode.
absl::StatusOr<std::vector<BatchedEvent>> DecodeEventBatch(std::string_view payload);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_EXECUTION_EVENTS_H_
