#include "server/service/service_host.h"

#include <map>
#include <string>
#include <vector>

#include "server/config/credential_store.h"
#include "server/metrics/http_client_metrics.h"
#include "server/store/shared_route_health_store.h"

namespace flowhost::service {

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Start(
    runtime::Runtime& runtime, const config::GetEnvFunction& getenv,
    store::ExecutionStorePtr history) {
  const config::HostConfig& config = runtime.config();
  std::unique_ptr<ServiceHost> host(new ServiceHost(runtime));
  host->library_logs_ = std::make_unique<LibraryLogRoute>(runtime.logger());

  absl::StatusOr<std::vector<sdk::Secret>> tokens = config::LoadCallerTokens(config.auth, getenv);
  if (!tokens.ok()) return tokens.status();
  host->auth_ = std::make_unique<CallerAuthenticator>(*std::move(tokens));

  WorkflowStore::Options store_options;
  store_options.directory = config.workflows_dir;
  store_options.load = WorkflowStore::RegistryLoader(runtime.registry(), runtime.load_limits());
  store_options.logger = &runtime.logger();
  store_options.max_file_bytes = runtime.load_limits().max_file_bytes;
  absl::StatusOr<std::unique_ptr<WorkflowStore>> store =
      WorkflowStore::Open(std::move(store_options));
  if (!store.ok()) return store.status();
  host->store_ = *std::move(store);
  if (absl::Status watching = host->store_->StartWatching(); !watching.ok()) {
    runtime.logger().Log(
        sdk::LogLevel::kWarning, "cannot watch the workflows directory; changes need a restart",
        {{"directory", config.workflows_dir}, {"error", std::string(watching.message())}});
  }
  runtime.SetWorkflowResolver(host->store_.get());

  host->gate_ =
      std::make_unique<ExecutionGate>(static_cast<size_t>(config.limits.max_executions_in_flight));

  host->history_ = std::move(history);
  if (host->history_ != nullptr) {
    store::SavePolicy default_save =
        store::ParseSavePolicy(config.store.save).value_or(store::SavePolicy::kAll);
    host->recorder_ = std::make_unique<ExecutionRecorder>(*host->history_, default_save,
                                                          runtime.logger(), runtime.scrubber());
    // Replicas sharing the store share route health too; on SQLite it stays in this process.
    if (store::SharedRouteHealthStore* shared = host->history_->shared_route_health()) {
      host->route_sharing_ = RouteHealthSharing::Start(
          runtime.shared_route_health(), *shared, host->history_->owner(), runtime.scheduler(),
          runtime.logger(), RouteHealthSharing::Options());
    }
  }

  ServiceEnvironment env;
  env.recorder = host->recorder_.get();
  env.scheduler = &runtime.scheduler();
  env.durable_wait_threshold = config.store.durable_wait_threshold;
  env.executor = &runtime.executor();
  env.store = host->store_.get();
  env.registry = &runtime.registry();
  env.gate = host->gate_.get();
  env.auth = host->auth_.get();
  env.scrubber = &runtime.scrubber();
  env.logger = &runtime.logger();
  host->metrics_ = std::make_unique<metrics::HostMetrics>();
  host->metrics_->AddScrapeSource(
      metrics::HttpClientMetrics([&runtime] { return runtime.http().stats(); }));
  host->metrics_->AddScrapeSource(
      [gate = host->gate_.get()](std::vector<prometheus::MetricFamily>& families) {
        families.push_back(metrics::GaugeFamily(
            "flowhost_executions_in_flight",
            "Executions running now that callers started (sub-workflows are inside them).",
            static_cast<double>(gate->in_flight())));
      });
  host->metrics_->AddScrapeSource([&runtime](std::vector<prometheus::MetricFamily>& families) {
    std::map<std::string, int> by_state = {{"closed", 0}, {"open", 0}, {"half_open", 0}};
    for (const nodes::router::RouteHealthTable::Snapshot& route :
         runtime.route_health().List(absl::Now())) {
      ++by_state[std::string(nodes::router::RouteStateName(route.state))];
    }
    prometheus::MetricFamily routes{"flowhost_router_routes",
                                    "Routes of router.fallback nodes by circuit-breaker state "
                                    "(open: skipped, cooling down; half_open: one probe decides).",
                                    prometheus::MetricType::Gauge,
                                    {}};
    for (const auto& [state, count] : by_state) {
      prometheus::ClientMetric& metric = routes.metric.emplace_back();
      metric.label = {{"state", state}};
      metric.gauge.value = count;
    }
    families.push_back(std::move(routes));
  });
  // With metrics off nothing counts: the service and the gRPC server get no metrics to record
  // into, and the HTTP listener serves no /metrics.
  env.metrics = config.metrics_enabled() ? host->metrics_.get() : nullptr;
  env.load_limits = runtime.load_limits();
  env.stream_queue_events = static_cast<size_t>(config.limits.stream_queue_events);
  env.max_retry_after = config.http.max_retry_after;
  env.route_health = &runtime.route_health();
  env.workers = runtime.worker_hub();

  ServerOptions options;
  options.listen = config.listen;
  options.max_message_bytes = static_cast<int>(config.limits.max_message_bytes);
  options.tls_cert_file = config.tls.cert_file;
  options.tls_key_file = config.tls.key_file;
  options.shutdown_grace_period = config.shutdown_grace_period;
  ServiceEnvironment resumer_env = env;
  host->server_ = std::make_unique<FlowhostServer>(std::move(env), std::move(options));
  if (absl::Status started = host->server_->Start(); !started.ok()) return started;
  if (host->recorder_ != nullptr) {
    ExecutionResumer::Options resumer_options;
    resumer_options.lease = config.store.lease;
    host->resumer_ =
        ExecutionResumer::Create(std::move(resumer_env), runtime.scheduler(), resumer_options);
    host->resumer_->Start();
  }

  if (config.http_server.enabled()) {
    http_api::GatewayOptions http_options;
    http_options.listen = config.http_server.listen;
    http_options.max_body_bytes = static_cast<size_t>(config.http_server.max_body_bytes);
    http_options.request_timeout = config.http_server.request_timeout;
    http_options.io_timeout = config.http_server.io_timeout;
    http_options.openai_default_workflow = config.http_server.openai_default_workflow;
    http_options.tls.cert_file = config.http_server.tls.cert_file;
    http_options.tls.key_file = config.http_server.tls.key_file;
    http_options.tls.client_ca_file = config.http_server.tls.client_ca_file;
    if (config.metrics_enabled()) {
      http_options.metrics = [metrics = host->metrics_.get()] { return metrics->Scrape(); };
      http_options.on_answered = [metrics = host->metrics_.get()](std::string_view endpoint,
                                                                  int http_status) {
        metrics->RecordHttpRequest(endpoint, http_status);
      };
    }
    absl::StatusOr<std::unique_ptr<http_api::HttpGateway>> http = http_api::HttpGateway::Start(
        std::move(http_options), host->server_->InProcessChannel(), &runtime.logger());
    if (!http.ok()) return http.status();
    host->http_ = *std::move(http);
    http_api::HttpGateway* gateway = host->http_.get();
    host->server_->SetBeforeStop([gateway] { gateway->WaitForCalls(absl::Seconds(5)); });
  }

  runtime.logger().Log(sdk::LogLevel::kInfo, "workflows loaded",
                       {{"directory", config.workflows_dir},
                        {"workflows", host->store_->List().size()},
                        {"credentials", runtime.credentials().Sources()}});
  return host;
}

ServiceHost::~ServiceHost() {
  Shutdown();
  if (store_ != nullptr) store_->StopWatching();
  runtime_.SetWorkflowResolver(nullptr);
}

void ServiceHost::Shutdown() {
  // Remote workers hear of the shutdown first (Drain): they finish what they hold, which the
  // executions in flight wait for below, and take no new work.
  const config::HostConfig& config = runtime_.config();
  runtime_.DrainRemoteWorkers(config.shutdown_grace_period);
  if (resumer_ != nullptr) resumer_->Stop();
  if (server_ != nullptr) server_->Shutdown();
  if (http_ != nullptr) http_->Shutdown();
  // The executions are done; what a worker may still hold is a cancelled item's answer.
  runtime_.StopRemoteWorkers(config.remote.cancel_grace);
  // Before the store goes: what the last executions published is still committed below.
  if (route_sharing_ != nullptr) route_sharing_->Stop();
  // Every execution has completed and queued its last writes: commit them, and run the store's
  // callbacks while the recorder they refer to still exists.
  if (history_ != nullptr) history_->Shutdown();
}

}  // namespace flowhost::service
