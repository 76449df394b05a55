// The execution store's data model: what is kept of an execution, of each of its nodes, of its
// event log and of its durable timers. Plain values, shared by both backends and by the code that
// will write them (the executor) and read them (the API, the CLI).
//
// Times are absl::Time; absl::InfinitePast() means "not yet" (a node that has not started, an
// execution that has not finished). Items and inputs are JSON text as stored.
//
// Thread-safety: plain values; copy them freely.
#ifndef FLOWHOST_SERVER_STORE_EXECUTION_MODEL_H_
#define FLOWHOST_SERVER_STORE_EXECUTION_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace flowhost::store {

// Where an execution is in its life. kQueued executions wait for a replica to claim them;
// kRunning ones are held by an owner under a lease; kWaiting ones are parked on a durable timer
// (a `wait` node) with no owner until it is due. The last three are final.
enum class ExecutionStatus { kQueued, kRunning, kWaiting, kSucceeded, kFailed, kCancelled };
std::string_view ExecutionStatusName(ExecutionStatus status);  // "queued", "running", ...
std::optional<ExecutionStatus> ParseExecutionStatus(std::string_view name);
bool IsFinal(ExecutionStatus status);
// The final statuses as an SQL list, "('succeeded', 'failed', 'cancelled')".
inline constexpr const char* kFinalStatusesSql = "('succeeded', 'failed', 'cancelled')";

// What is kept of a finished execution (n8n's save settings): everything, only failed (and
// cancelled) ones, or nothing. While an execution runs it is always recorded, so that it can
// resume after a crash; the policy is applied when it finishes.
enum class SavePolicy { kAll, kFailedOnly, kNone };
std::string_view SavePolicyName(SavePolicy policy);  // "all", "failed", "none"
std::optional<SavePolicy> ParseSavePolicy(std::string_view name);

// What happens to a running execution whose owner died (a crash, kill -9, a redeploy): resume
// from its last finished node (nodes run at least once), or fail it.
enum class RestartPolicy { kResume, kFail };
std::string_view RestartPolicyName(RestartPolicy policy);  // "resume", "fail"
std::optional<RestartPolicy> ParseRestartPolicy(std::string_view name);

// A node's state as recorded; the executor's NodeStatus maps onto it one to one.
enum class NodeState { kNotRun, kRunning, kSucceeded, kFailed, kSkipped, kDisabled, kCancelled };
std::string_view NodeStateName(NodeState state);  // "not_run", "running", ...
std::optional<NodeState> ParseNodeState(std::string_view name);

// The right to write an execution's rows: issued by the store when this instance creates or
// claims an execution. Each claim increments the token, so a write carrying an older token (a
// stale owner whose lease expired and was taken over) is refused with ABORTED.
struct Fence {
  std::string execution_id;
  int64_t token = 0;
};

// Tokens and cost, summed over an execution's upstream calls.
struct Totals {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
};

// One execution's row.
struct ExecutionRow {
  std::string id;
  std::string workflow;       // the workflow's name
  std::string workflow_hash;  // hash of the workflow's content, to tell which version ran
  std::string input_json;     // the input object, as JSON text
  ExecutionStatus status = ExecutionStatus::kQueued;
  absl::Time created_at = absl::InfinitePast();
  absl::Time started_at = absl::InfinitePast();   // first claimed or started
  absl::Time finished_at = absl::InfinitePast();  // when final
  absl::Status error;                             // why it failed, when it did
  std::string failed_node;
  Totals totals;
  std::string output_json;      // the final output items (JSON array text), under the cap
  std::string idempotency_key;  // empty for none
  std::string owner;            // the store instance holding the lease; empty when none
  absl::Time lease_expires_at = absl::InfinitePast();
  int64_t fencing_token = 0;
  absl::Time wake_at = absl::InfinitePast();  // when a kWaiting execution is due again
  bool cancel_requested = false;
  SavePolicy save_policy = SavePolicy::kAll;
  RestartPolicy restart_policy = RestartPolicy::kResume;
  int64_t stored_output_bytes = 0;  // bytes of output items stored so far (against the cap)
  bool output_truncated = false;    // some node's or the final output was cut at the cap
  std::string retry_of;             // the execution this one retries (RetryExecution); empty if none
};

// One node's row within an execution.
struct NodeRow {
  std::string name;
  std::string type;
  NodeState state = NodeState::kNotRun;
  int attempts = 0;
  absl::Time started_at = absl::InfinitePast();
  absl::Time finished_at = absl::InfinitePast();
  int64_t items_in = 0;
  int64_t items_out = 0;
  absl::Status error;
  Totals totals;
  // The node's output items (JSON: an array with one array of items per output port), as far as
  // the execution's output cap allowed; empty when not recorded. When cut, `output_truncated` is
  // set and `output_json` holds the ports' first items that fit.
  std::string output_json;
  bool output_truncated = false;
};

// One event of an execution's log (the events StreamWorkflow sends), in sequence order.
// `payload` is opaque to the store (the service stores a serialized event message).
struct EventRow {
  int64_t sequence = 0;  // chosen by the writer; unique per execution
  absl::Time at = absl::InfinitePast();
  std::string kind;  // e.g. "node_started"; "events_truncated" marks the cap
  std::string payload;
};

// A durable timer: the `wait` node `node` of an execution is due at `due_at`.
struct TimerRow {
  std::string node;
  absl::Time due_at = absl::InfinitePast();
};

// An execution with what GetExecution asked for.
struct ExecutionDetail {
  ExecutionRow execution;
  std::vector<NodeRow> nodes;  // when asked for; in the order the nodes were first recorded
  std::vector<TimerRow> timers;
  int64_t last_event_sequence = 0;  // 0 when the log is empty
};

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_EXECUTION_MODEL_H_
