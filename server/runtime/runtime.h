// The host, assembled: the worker pool and timers, the shared HTTP client, the node registry with
// every built-in node and the configured plugins, the credential store and the executor, wired
// together from a HostConfig.
// `flowhost serve` and `flowhost run` both start from one Runtime, so a workflow behaves the same
// in both.
//
// Ownership: the Runtime owns everything it creates. Destruction order matters and is handled here:
// the HTTP client first (cancelling what is still in flight and posting those completions), then
// the worker pool (running the completions, then joining), then the executor. Callers stop starting
// executions and drain or cancel the ones in flight before destroying the Runtime.
//
// Thread-safety: the accessors may be called from any thread; SetWorkflowResolver is for start-up.
#ifndef FLOWHOST_SERVER_RUNTIME_RUNTIME_H_
#define FLOWHOST_SERVER_RUNTIME_RUNTIME_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nodes/router/route_health.h"
#include "server/common/json_logger.h"
#include "server/common/secret_scrubber.h"
#include "server/common/thread_pool_scheduler.h"
#include "server/config/credential_store.h"
#include "server/config/host_config.h"
#include "server/executor/executor.h"
#include "server/http/curl_http_client.h"
#include "server/http/host_http_limits.h"
#include "server/plugins/plugin_loader.h"
#include "server/registry/node_type_registry.h"
#include "server/remote/managed_workers.h"
#include "server/remote/worker_hub.h"
#include "server/remote/worker_listener.h"
#include "server/workflow/loader.h"

namespace flowhost::runtime {

struct RuntimeOptions {
  config::HostConfig config;
  config::GetEnvFunction getenv = config::ProcessEnvironment();
  // Where log lines go; stderr when null.
  std::shared_ptr<common::LogSink> log_sink;
  // What a missing secret's error advises: `serve` restarts, `run` runs again (or --offline).
  config::MissingSecretAdvice missing_secret_advice =
      config::MissingSecretAdvice::kRestartTheServer;
  // Worker threads; 0 means one per core.
  int worker_threads = 0;
  // Registers node families beyond the built-in ones and the configured plugins, after them
  // (tests' node types). Called once, from Create's thread.
  std::function<absl::Status(sdk::NodeRegistry& registry)> register_more_nodes;
};

class Runtime {
 public:
  // Builds the host. Fails when the configuration cannot be honoured (an unreadable key file, a bad
  // log level, an allowlisted environment variable holding a credential, a plugin that cannot be
  // loaded: see plugin_loader.h) or a node type fails to register. INTERNAL only for a bug (a
  // built-in or test node type that does not register).
  static absl::StatusOr<std::unique_ptr<Runtime>> Create(RuntimeOptions options);
  ~Runtime();

  const config::HostConfig& config() const { return config_; }
  sdk::Scheduler& scheduler() { return *scheduler_; }
  // The pooled client itself (its stats); nodes use it through the host's per-request limits.
  http::CurlHttpClient& http() { return *http_; }
  const registry::NodeTypeRegistry& registry() const { return registry_; }
  // The plugins loaded from config().plugins, in order.
  const std::vector<plugins::LoadedPlugin>& plugins() const { return plugins_; }
  const config::ConfigCredentialStore& credentials() const { return *credentials_; }
  executor::Executor& executor() { return *executor_; }
  common::JsonLogger& logger() { return *logger_; }
  // Every known secret (the upstream keys, the callers' tokens) and the credential shapes: what the
  // logger scrubs from each line and the service from each error it returns.
  const common::SecretScrubber& scrubber() const { return *scrubber_; }
  // The load limits derived from the configuration.
  const workflow::LoadLimits& load_limits() const { return load_limits_; }
  // The health of every route router.fallback has called in this process (ListRouteHealth).
  const nodes::router::RouteHealthTable& route_health() const { return *route_health_; }
  // The same table, to share it with other replicas (server/service/route_health_sharing.h).
  std::shared_ptr<nodes::router::RouteHealthTable> shared_route_health() const {
    return route_health_;
  }

  // The remote-node hub and the port remote workers dial; null / 0 when remote.listen is empty.
  remote::WorkerHub* worker_hub() const { return worker_hub_.get(); }
  int worker_port() const { return worker_listener_ ? worker_listener_->port() : 0; }
  // What a worker on this machine dials (HOST:PORT, or the unix: address); empty when off.
  std::string worker_address() const {
    return worker_listener_ ? worker_listener_->dial_address() : std::string();
  }
  // The shutdown's first step (serve, on SIGTERM): asks the remote workers to drain
  // (WorkerHub::Drain) while the executions in flight finish; `grace` is how long the host waits
  // for the work they hold. Never blocks; a no-op without remote nodes.
  void DrainRemoteWorkers(absl::Duration grace);
  // The shutdown's last step, once the executions have drained: waits up to `grace` for what the
  // workers still hold (answers to cancels), then closes their streams and the worker listener, and
  // stops the managed workers (remote.managed). Blocks; a no-op without remote nodes. The
  // destructor does it with no grace.
  void StopRemoteWorkers(absl::Duration grace);

  // Where execute_workflow finds other workflows (the service's workflow store, or the CLI's
  // directory). `resolver` must outlive the Runtime; null turns sub-workflows off.
  void SetWorkflowResolver(const executor::WorkflowResolver* resolver) {
    resolver_.target.store(resolver);
  }

 private:
  // Forwards to the resolver set after construction (the store needs the registry, which needs to
  // exist before the executor).
  struct ForwardingResolver : executor::WorkflowResolver {
    std::atomic<const executor::WorkflowResolver*> target{nullptr};
    workflow::WorkflowPtr Find(std::string_view name) const override {
      const executor::WorkflowResolver* resolver = target.load();
      return resolver == nullptr ? nullptr : resolver->Find(name);
    }
  };

  Runtime() = default;
  // Declares the remote node types and starts the worker listener (config_.remote), once the
  // scheduler exists and before workflows load.
  absl::Status StartRemoteNodes(const config::GetEnvFunction& getenv);

  config::HostConfig config_;
  workflow::LoadLimits load_limits_;
  std::shared_ptr<const common::SecretScrubber> scrubber_;
  std::unique_ptr<common::JsonLogger> logger_;
  registry::NodeTypeRegistry registry_;
  std::shared_ptr<nodes::router::RouteHealthTable> route_health_ =
      std::make_shared<nodes::router::RouteHealthTable>();
  std::vector<plugins::LoadedPlugin> plugins_;
  std::unique_ptr<config::ConfigCredentialStore> credentials_;
  ForwardingResolver resolver_;
  // Declared in reverse order of destruction needs; ~Runtime resets them explicitly.
  std::unique_ptr<executor::Executor> executor_;
  std::unique_ptr<common::ThreadPoolScheduler> scheduler_;
  std::unique_ptr<http::CurlHttpClient> http_;
  // What nodes get: the pool behind the configuration's per-request bounds.
  std::unique_ptr<http::LimitedHttpClient> limited_http_;
  std::shared_ptr<remote::WorkerHub> worker_hub_;
  std::unique_ptr<remote::WorkerListener> worker_listener_;
  std::unique_ptr<remote::ManagedWorkers> managed_workers_;  // remote.managed; null when none
};

}  // namespace flowhost::runtime

#endif  // FLOWHOST_SERVER_RUNTIME_RUNTIME_H_
