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

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "server/common/secret_scrubber.h"
#include "server/executor/execution_record.h"
#include "server/store/execution_model.h"

namespace flowhost::service {

// The kind an event is stored under: the name of its oneof field; empty for an empty event.
std::string EventKind(const v1::StreamWorkflowResponse& event);

v1::StreamWorkflowResponse ExecutionStartedEvent(std::string_view execution_id,
                                                 std::string_view workflow, absl::Time started);
v1::StreamWorkflowResponse NodeStartedEvent(std::string_view node, int attempt);
// node_finished, or node_failed for a failed node.
v1::StreamWorkflowResponse NodeResultEvent(const executor::NodeRecord& record,
                                           const common::SecretScrubber& scrubber);
// execution_finished with the outcome, the output items and the summary. An output item that
// cannot become a Value leaves the items out (the summary still says what happened).
v1::StreamWorkflowResponse ExecutionFinishedEvent(const executor::ExecutionRecord& record,
                                                  const common::SecretScrubber& scrubber);
// execution_finished for an execution that ended with no such event in its log (failed or
// cancelled without running: its server stopped and it could not resume, a cancelled queued
// one), from its row: status, error and failed node.
v1::StreamWorkflowResponse FinishedEventFromRow(const store::ExecutionRow& row,
                                                const common::SecretScrubber& scrubber);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_EXECUTION_EVENTS_H_
