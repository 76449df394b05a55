// Everything a running node may use, handed to Node::Execute by the host. This is the whole boundary
// between a node and the host: nodes never create threads, connections or timers of their own, never read
// the environment for credentials, and never reach into host internals.
//
// Ownership: the host owns the context and keeps it alive until the node calls its `done`.
// Thread-safety: every method may be called from any thread while the node runs.
#ifndef FLOWHOST_SDK_NODE_CONTEXT_H_
#define FLOWHOST_SDK_NODE_CONTEXT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/credential.h"
#include "flowhost/sdk/event_sink.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/logger.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/parameters.h"
#include "flowhost/sdk/scheduler.h"
#include "flowhost/sdk/usage.h"

namespace flowhost::sdk {

// Which execution a node runs in.
struct ExecutionInfo {
  std::string id;        // unique per execution
  std::string workflow;  // the workflow's name
  absl::Time started_at;
  // The W3C `traceparent` naming the execution's trace and span, for a node that passes the trace
  // on to work it hands to another process (remote nodes); empty when the host keeps no trace.
  std::string traceparent;
};

class NodeContext {
 public:
  virtual ~NodeContext() = default;

  virtual const std::string& node_name() const = 0;
  virtual const ExecutionInfo& execution() const = 0;

  // A key naming this node's work in this execution, "<execution id>/<node name>". It stays the
  // same when the execution is resumed after a crash (docs/executions.md: nodes run at least
  // once), so a node may pass it upstream where an API deduplicates by idempotency key.
  std::string idempotency_key() const { return execution().id + "/" + node_name(); }

  // The executor's attempt number for this run of the node: 1, then 2... when `retry` is configured.
  virtual int attempt() const = 0;

  // The items on each input port, indexed like the node's inputs.
  virtual const std::vector<Items>& inputs() const = 0;

  // The node's parameters, evaluated per item on request.
  virtual const Parameters& params() const = 0;

  // The credential the host has under `name` (e.g. "openrouter"). A node receives only the credentials
  // its own parameters name: the values of parameters its type's schema marks `"x-credential": true`
  // (node.h); asking for any other is INTERNAL (a bug in the node type). NOT_FOUND when none is
  // configured under that name, FAILED_PRECONDITION (class "auth") when it is configured but its secret
  // is missing. Messages name the credential, never its secret.
  virtual absl::StatusOr<Credential> credential(std::string_view name) const = 0;

  // The host's shared pooled HTTP client.
  virtual HttpClient& http() = 0;

  // The host's worker pool and timers.
  virtual Scheduler& scheduler() = 0;

  virtual Logger& logger() = 0;

  // Cancelled when the node's timeout, the execution's deadline or the caller's cancellation strikes.
  virtual const CancellationToken& cancellation() const = 0;

  // Where streamed partial output goes.
  virtual EventSink& events() = 0;

  // Records one upstream call for the execution record (tokens, cost, outcome), stopped calls
  // included; call it before `done` (usage.h).
  virtual void RecordAttempt(const AttemptRecord& attempt) = 0;

  // Counts `bytes` of items the node has built (sdk::ItemBytes of each, item_bytes.h) against the
  // memory the host lets this execution, and all executions together, hold. A node that makes
  // many or large items calls it as it builds each one, so that the limit stops it before its
  // output is complete rather than after; on RESOURCE_EXHAUSTED (class "limit_exceeded", naming
  // the limit) it stops and returns that status. What a node reserves is given back when its
  // attempt ends, and the host then accounts the outputs it returned. A host without such a limit
  // accepts everything (this default).
  virtual absl::Status ReserveItemBytes(size_t bytes) { return absl::OkStatus(); }

  // The execution's cost budget: the workflow's `max_cost_usd` (docs/workflows.md), one budget for
  // the whole execution tree (its nodes, their retries, its sub-workflows). A node that makes paid
  // calls reserves each call's worst case (in US dollars) before making it and settles what it
  // actually cost afterwards, so that the budget stops a call before any money is spent. A host or
  // execution without a budget accepts everything (these defaults).
  //
  // What is left (the ceiling, less what was spent and what is reserved); nullopt: no budget.
  virtual std::optional<double> CostRemaining() const { return std::nullopt; }
  // Reserves `worst_case_usd` for a call about to be made. RESOURCE_EXHAUSTED (class
  // "limit_exceeded", naming max_cost_usd and what is left) when it does not fit: the node must
  // not make the call.
  virtual absl::Status ReserveCost(double worst_case_usd) { return absl::OkStatus(); }
  // After a call (answered or failed): gives back `reserved_usd` (what ReserveCost took for it, 0
  // when nothing was reserved) and charges `actual_usd`, which may be more. What an attempt
  // reserved and did not settle is given back when its attempt ends.
  virtual void SettleCost(double reserved_usd, double actual_usd) {}

  // Durable timers (docs/executions.md, "Durable waits"), for a node that waits for a time: the
  // `wait` node. When this node parked its execution in an earlier run (ParkUntil), the time it
  // asked to wake at; InfinitePast otherwise. A node resumed after its timer is due finishes
  // its wait at once; one resumed early (its server restarted) waits only what is left.
  virtual absl::Time durable_timer() const { return absl::InfinitePast(); }

  // Offers the host to park the execution until `wake_at` instead of keeping it in memory. True
  // when the host takes it: it records the timer, stops the execution soon after (cancelling
  // this node, whose wait should end as any cancelled wait does) and runs it again once due, on
  // this server or another, from its unfinished nodes (this one then sees durable_timer()).
  // False when the host does not park this execution (a synchronous run, a server without
  // history, a wait shorter than its threshold): wait as usual. This default never parks.
  virtual bool ParkUntil(absl::Time wake_at) { return false; }

  // Runs another loaded workflow by name with `inputs` as a child of this execution (sharing its
  // cancellation; bounded by the sub-workflow depth limit). `done` gets the child's output items.
  virtual void RunWorkflow(std::string_view workflow, Json inputs,
                           absl::AnyInvocable<void(absl::StatusOr<Items>)> done) = 0;

  // Runs another node of this workflow, one named by an "x-node-ref" parameter, on `input` (its input
  // 0), with that node's own retry and timeout settings. `done` gets its result.
  virtual void InvokeNode(std::string_view node, Items input,
                          absl::AnyInvocable<void(absl::StatusOr<NodeResult>)> done) = 0;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_NODE_CONTEXT_H_
