// The executor runs compiled workflows. It is the only place that decides what runs when: it
// schedules ready nodes on the host's worker pool, runs independent branches in parallel, applies
// each node's retry, timeout and on_error settings, enforces the execution limits, and cancels
// everything an execution started when it is cancelled or its deadline passes. No thread ever
// waits: nodes complete through callbacks, back-offs and `wait` are timers.
//
// Graph semantics (n8n's item model): start nodes receive one item, the bound inputs. A node runs
// once every connected input has been resolved (the upstream finished or was not run); it is
// skipped when all its connected inputs are empty, and its outputs then resolve empty. Outputs that
// are not connected are dropped. The result is the concatenation of the workflow's `output` ports.
//
// Thread-safety: Start may be called from any thread. Ownership: the Executor must outlive every
// execution it started (the host drains executions before destroying it). Executions share the
// executor's internals, so a node that completes late (after ignoring a cancellation) is safe even
// once the Executor is gone; the HostServices must outlive such stragglers.
#ifndef FLOWHOST_SERVER_EXECUTOR_EXECUTOR_H_
#define FLOWHOST_SERVER_EXECUTOR_EXECUTOR_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/credential.h"
#include "flowhost/sdk/event_sink.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/logger.h"
#include "flowhost/sdk/retry.h"
#include "flowhost/sdk/scheduler.h"
#include "server/executor/execution_record.h"
#include "server/workflow/workflow.h"

namespace flowhost::executor {

// Every bound is configurable; crossing one fails the execution with a clear message
// (RESOURCE_EXHAUSTED / "limit_exceeded", or DEADLINE_EXCEEDED for time).
struct ExecutionLimits {
  size_t max_items_per_output = 100'000;
  absl::Duration max_execution_time = absl::Minutes(10);
  int max_subworkflow_depth = 8;
  // A node error's Retry-After is cut to this before the executor waits it out
  // (http.max_retry_after).
  absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
  // Bytes of items (sdk::ItemBytes) one execution, with its sub-workflows, may hold at once: the
  // outputs of its nodes, their copies gathered as inputs, what a running node has built so far.
  size_t max_execution_item_bytes = size_t{256} << 20;
  // The same for all executions of the executor together.
  size_t max_total_item_bytes = size_t{1} << 30;
  // How long a node attempt that was stopped (its timeout, or the execution finishing) is given to
  // return, so that the upstream calls it reports on its way out are in the record. A node that
  // honours cancellation returns within milliseconds; one that does not is left behind after this,
  // with a warning, and what it reports later is not recorded.
  absl::Duration node_return_grace = absl::Seconds(1);
};

// Resolves credentials by name from the host's configuration.
class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  virtual absl::StatusOr<sdk::Credential> Get(std::string_view name) const = 0;
};

// Finds loaded workflows by name (for execute_workflow). Thread-safe.
class WorkflowResolver {
 public:
  virtual ~WorkflowResolver() = default;
  virtual workflow::WorkflowPtr Find(std::string_view name) const = 0;
};

// Follows one execution as it happens (StreamWorkflow, CLI progress). Callbacks come from any
// thread and must not block; the executor never calls two of them at once for the same execution
// except token deltas, which may come from the HTTP client's I/O thread.
// A node's outputs once it has finished: one list of items per output port. Immutable and shared
// with the execution (keep the pointer rather than copying the items).
using NodeOutputs = std::shared_ptr<const std::vector<sdk::Items>>;

class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  virtual void OnNodeStarted(std::string_view node, int attempt) {}
  virtual void OnNodeFinished(const NodeRecord& record) {}
  // Whether OnNodeResult should be given the node's outputs. Holding them costs the execution a
  // copy of its final output (it can no longer move the items), so only an observer that keeps
  // them (the history recorder) says yes.
  virtual bool wants_outputs() const { return false; }
  // The node-finished event with the node's outputs when wants_outputs() (null otherwise, and for
  // a node that produced none: failed, skipped). The default calls OnNodeFinished.
  virtual void OnNodeResult(const NodeRecord& record, NodeOutputs outputs) {
    OnNodeFinished(record);
  }
  virtual bool wants_tokens() const { return false; }
  virtual void OnTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                            std::string_view kind) {}
  // A delta whose node said which route and attempt it belongs to (sdk::EventSink::TokenDeltaFrom);
  // observers that do not care get OnTokenDelta.
  virtual void OnTokenDeltaFrom(std::string_view node, size_t item_index, std::string_view text,
                                std::string_view kind, const sdk::TokenSource& source) {
    OnTokenDelta(node, item_index, text, kind);
  }
  // The text `node` streamed for the item from `source` is void (sdk::EventSink::TokensReset).
  virtual void OnTokensReset(std::string_view node, size_t item_index,
                             const sdk::TokenSource& source) {}
};

// What the host lends the executor; all must outlive it.
struct HostServices {
  sdk::Scheduler* scheduler = nullptr;
  sdk::HttpClient* http = nullptr;
  const CredentialStore* credentials = nullptr;
  const WorkflowResolver* workflows = nullptr;  // may be null: execute_workflow then fails cleanly
  sdk::Logger* logger = nullptr;                // the executor adds execution/workflow/node fields
  std::map<std::string, std::string, std::less<>> env;  // $env: the allowlisted variables' values
  std::function<double()> unit_random;                  // jitter source; null for a real one
};

struct ExecutionRequest {
  workflow::WorkflowPtr workflow;
  Json inputs = Json::object();                  // bound with workflow::BindInputs before the start
  absl::Time deadline = absl::InfiniteFuture();  // also capped by max_execution_time
  std::string id;                                // generated when empty
  std::shared_ptr<ExecutionObserver> observer;   // optional
  // The caller's W3C traceparent (server/common/trace_context.h): the execution continues that
  // trace, or begins one when it is empty or does not parse. Its trace id is in every log line of
  // the execution and in the record; every upstream request carries it with a span of its own.
  std::string traceparent;
  // Runs the first ready node on the calling thread, inside Start, instead of handing it to the
  // pool (one thread hand-off less on the request path; the others still go to the pool). Only
  // for callers that hold no lock and whose thread may run node code for a moment: the gRPC
  // service's reactors set it. `done` still never runs inside Start.
  bool start_on_caller_thread = false;
  // Results of nodes that already finished in an earlier run of this execution (a resume after
  // a crash) or of the execution it retries, by node name: one list of items per output port.
  // Such a node is not run again; once its inputs have resolved it finishes at once with these
  // outputs (NodeRecord::reused), so the nodes downstream see the stored items. Names the
  // workflow does not have are ignored.
  std::map<std::string, std::vector<sdk::Items>, std::less<>> reused_outputs;
  // Durable timers recorded by an earlier run of this execution, by node name
  // (sdk::NodeContext::durable_timer).
  std::map<std::string, absl::Time, std::less<>> durable_timers;
  // Called by a node's NodeContext::ParkUntil (on the node's thread): true when the caller parks
  // the execution until `wake_at` (it records the timer, then cancels the execution). Null:
  // nothing parks. Only this execution's own nodes get it, not a sub-workflow's.
  std::function<bool(std::string_view node, absl::Time wake_at)> park;
  // Called, in the observer's order (after OnNodeResult of the node whose result made them ready),
  // before the nodes a finished node made ready start: they start when the caller runs `proceed`
  // (once, from any thread, without holding locks the execution takes). The background
  // executions of the service use it to start a node only once its predecessor's result is
  // committed to the execution store, so that a crash never finds two nodes of one execution
  // unrecorded. Null: the next nodes start at once. Not passed to sub-workflows.
  std::function<void(absl::AnyInvocable<void() &&> proceed)> before_next_nodes;
};

// A running execution, for its starter.
class ExecutionHandle {
 public:
  virtual ~ExecutionHandle() = default;
  virtual const std::string& id() const = 0;
  // Stops the execution: cancels every node's work (in-flight HTTP transfers are aborted) and
  // finishes with `reason` (CANCELLED or DEADLINE_EXCEEDED). No-op once finished.
  virtual void Cancel(absl::Status reason) = 0;
};

class Executor {
 public:
  using Done = absl::AnyInvocable<void(ExecutionRecord)>;

  Executor(HostServices services, ExecutionLimits limits);
  ~Executor();

  // Starts an execution. `done` runs exactly once, on the worker pool, with the final record; a
  // request that cannot start (bad inputs) also completes through `done` with INVALID_ARGUMENT.
  // The record is final once the execution has finished and every node it stopped has returned
  // (at most `node_return_grace` later), so it lists every upstream call those nodes made.
  std::shared_ptr<ExecutionHandle> Start(ExecutionRequest request, Done done);

  // Executions started and not yet finished.
  size_t in_flight() const;

  const ExecutionLimits& limits() const { return limits_; }

 private:
  class Impl;
  HostServices services_;
  ExecutionLimits limits_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_EXECUTOR_H_
