// What the WorkflowService borrows from the host: the executor, the loaded workflows, the node
// types, admission control, caller authentication, the execution history, the secret scrubber and
// the logger. All are owned by the host (FlowhostServer's caller) and must outlive the service and
// every RPC in flight.
//
// Thread-safety: every member is itself safe to use from any thread.
#ifndef FLOWHOST_SERVER_SERVICE_SERVICE_ENVIRONMENT_H_
#define FLOWHOST_SERVER_SERVICE_SERVICE_ENVIRONMENT_H_

#include <cstddef>

#include "absl/time/time.h"
#include "flowhost/sdk/logger.h"
#include "flowhost/sdk/retry.h"
#include "flowhost/sdk/scheduler.h"
#include "nodes/router/route_health.h"
#include "server/common/secret_scrubber.h"
#include "server/executor/executor.h"
#include "server/registry/node_type_registry.h"
#include "server/service/caller_auth.h"
#include "server/service/execution_gate.h"
#include "server/service/execution_recorder.h"
#include "server/service/workflow_store.h"
#include "server/workflow/loader.h"

namespace flowhost::metrics {
class HostMetrics;
}  // namespace flowhost::metrics
namespace flowhost::remote {
class WorkerHub;
}  // namespace flowhost::remote

namespace flowhost::service {

struct ServiceEnvironment {
  executor::Executor* executor = nullptr;
  const WorkflowStore* store = nullptr;
  const registry::NodeTypeRegistry* registry = nullptr;
  ExecutionGate* gate = nullptr;
  const CallerAuthenticator* auth = nullptr;  // null: no authentication
  // The execution history (docs/executions.md); null when the server keeps none (store: none).
  ExecutionRecorder* recorder = nullptr;
  // The host's timers (WatchExecution polls with them for events another replica writes); null:
  // watches are woken only by this server's own events.
  sdk::Scheduler* scheduler = nullptr;
  // A `wait` node with more than this long left parks its background execution in the store
  // (store.durable_wait_threshold; docs/executions.md); zero: never.
  absl::Duration durable_wait_threshold = absl::Seconds(1);
  const common::SecretScrubber* scrubber = nullptr;
  sdk::Logger* logger = nullptr;
  metrics::HostMetrics* metrics = nullptr;  // null: nothing is counted
  workflow::LoadLimits load_limits;   // for inline YAML (RunWorkflow, ValidateWorkflow)
  size_t stream_queue_events = 1024;  // see StreamSession
  // Error details carry at most this retry delay (http.max_retry_after).
  absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
  // What ListRouteHealth reports; null: no routes.
  const nodes::router::RouteHealthTable* route_health = nullptr;
  // What ListWorkers reports; null: no worker listener (remote.listen unset).
  const remote::WorkerHub* workers = nullptr;
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_SERVICE_ENVIRONMENT_H_
