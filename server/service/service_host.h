// `flowhost serve` minus the command line: on top of a Runtime (executor, registry, credentials,
// logger, secret scrubber), the workflows directory (a WorkflowStore, watched), admission control,
// caller authentication and the FlowhostServer, wired from the Runtime's HostConfig; gRPC's and
// protobuf's log lines go to the Runtime's logger while it runs.
// Tests start the same thing in-process.
//
// Ownership: the caller owns the Runtime and keeps it alive until the ServiceHost is destroyed; the
// ServiceHost owns the rest. Destroying it drains (Shutdown) if that has not happened.
// Thread-safety: Start from one thread; Shutdown from any one thread (e.g. the signal waiter) while
// another is in Wait.
#ifndef FLOWHOST_SERVER_SERVICE_SERVICE_HOST_H_
#define FLOWHOST_SERVER_SERVICE_SERVICE_HOST_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/config/host_config.h"
#include "server/http_api/http_gateway.h"
#include "server/metrics/host_metrics.h"
#include "server/runtime/runtime.h"
#include "server/service/caller_auth.h"
#include "server/service/execution_gate.h"
#include "server/service/execution_recorder.h"
#include "server/service/execution_resumer.h"
#include "server/service/flowhost_server.h"
#include "server/service/library_logs.h"
#include "server/service/route_health_sharing.h"
#include "server/service/workflow_store.h"
#include "server/store/execution_store.h"

namespace flowhost::service {

class ServiceHost {
 public:
  // Loads the workflows, starts watching them and starts serving. `getenv` resolves the callers'
  // tokens (auth.tokens_env). `history` is the execution store the executions are recorded in
  // (null: none, and the history RPCs answer FAILED_PRECONDITION); the host owns it from then on
  // and shuts it down once drained, which commits what the last executions wrote.
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Start(
      runtime::Runtime& runtime, const config::GetEnvFunction& getenv,
      store::ExecutionStorePtr history = nullptr);
  ~ServiceHost();

  int port() const { return server_->port(); }
  // The HTTP/JSON listener's port; 0 when http_server.listen is not set.
  int http_port() const { return http_ != nullptr ? http_->port() : 0; }
  WorkflowStore& store() { return *store_; }
  store::ExecutionStore* history() { return history_.get(); }
  ExecutionGate& gate() { return *gate_; }
  // The host's Prometheus metrics (GET /metrics serves their Scrape()).
  metrics::HostMetrics& metrics() { return *metrics_; }

  // Drains and stops serving (see FlowhostServer::Shutdown), closes the HTTP listener, whose
  // requests are calls of the same server, then shuts the execution store down. Idempotent.
  void Shutdown();
  // Cuts the drain short (see FlowhostServer::EndGracePeriod); from any thread, also during
  // Shutdown.
  void EndGracePeriod() { server_->EndGracePeriod(); }
  // Blocks until the server has stopped.
  void Wait() { server_->Wait(); }

 private:
  explicit ServiceHost(runtime::Runtime& runtime) : runtime_(runtime) {}

  runtime::Runtime& runtime_;
  std::unique_ptr<LibraryLogRoute> library_logs_;  // gRPC's and protobuf's lines, as ours
  std::unique_ptr<WorkflowStore> store_;
  std::unique_ptr<ExecutionGate> gate_;
  std::unique_ptr<metrics::HostMetrics> metrics_;  // before server_: the server reports to it
  std::unique_ptr<CallerAuthenticator> auth_;
  store::ExecutionStorePtr history_;             // null without a history
  std::unique_ptr<ExecutionRecorder> recorder_;  // null without a history
  // Renews leases, resumes executions whose server died; null without a history.
  std::shared_ptr<ExecutionResumer> resumer_;
  // Shares route health with the other replicas; null unless the history is shared (PostgreSQL).
  std::shared_ptr<RouteHealthSharing> route_sharing_;
  std::unique_ptr<FlowhostServer> server_;
  std::unique_ptr<http_api::HttpGateway> http_;  // after server_: destroyed before it
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_SERVICE_HOST_H_
