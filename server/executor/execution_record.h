// What an execution did, node by node: status, attempts, timings, item counts, errors, and the
// upstream calls (tokens, cost) nodes reported. Built up by the executor while the execution runs,
// final once its completion callback has it. The gRPC service and the CLI turn it into their
// summaries.
#ifndef FLOWHOST_SERVER_EXECUTOR_EXECUTION_RECORD_H_
#define FLOWHOST_SERVER_EXECUTOR_EXECUTION_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/usage.h"

namespace flowhost::executor {

using sdk::Json;

enum class NodeStatus {
  kNotRun,  // never reached (a branch not taken upstream, or the execution stopped first)
  kRunning,
  kSucceeded,
  kFailed,     // failed; with on_error continue/error_output the execution may still succeed
  kSkipped,    // every input was empty, so the node did not run (n8n semantics)
  kDisabled,   // `disabled: true`: input passed through
  kCancelled,  // stopped by cancellation, deadline or shutdown while running
};
std::string_view NodeStatusName(NodeStatus status);

struct NodeRecord {
  std::string name;
  std::string type;
  NodeStatus status = NodeStatus::kNotRun;
  int attempts = 0;
  absl::Time started_at = absl::InfinitePast();
  absl::Time finished_at = absl::InfinitePast();
  size_t items_in = 0;
  size_t items_out = 0;
  absl::Status error;                     // the last attempt's error, when it failed
  std::vector<sdk::AttemptRecord> calls;  // upstream calls the node reported, in order
  // Sums over `calls`, and the model that produced the last successful call.
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
  std::string model;
  // Not run: its outputs were given (ExecutionRequest::reused_outputs) from an earlier run.
  bool reused = false;

  absl::Duration duration() const;
};

struct ExecutionRecord {
  std::string id;
  std::string workflow;
  std::string trace_id;     // the W3C trace the execution belongs to (ExecutionRequest::traceparent)
  absl::Status status;      // OK, or why the execution failed (classified, see sdk/error.h)
  std::string failed_node;  // the node whose failure stopped the execution, if any
  // "FILE:LINE" of that node's entry in its workflow file, when known: what an error message
  // points a developer at.
  std::string failed_node_location;
  sdk::Items output;
  absl::Time started_at;
  absl::Time finished_at;
  std::vector<NodeRecord> nodes;  // in workflow file order (attached nodes included)
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;

  absl::Duration duration() const { return finished_at - started_at; }
  // The record as JSON (used by `flowhost run --record` and logs). Never contains a secret.
  Json ToJson() const;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_EXECUTION_RECORD_H_
