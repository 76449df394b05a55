#include "server/runtime/runtime.h"

#include "server/remote/declared_types.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/config/credential_store.h"
#include "server/runtime/host_node_types.h"
#include "server/runtime/http_client_options.h"

namespace flowhost::runtime {
namespace {

// Every credential's secret and the callers' tokens. The tokens are read again by the service,
// which reports a file it cannot read; here such a file only means no tokens to scrub.
std::vector<std::string> KnownSecrets(const config::HostConfig& config,
                                      const config::ConfigCredentialStore& credentials,
                                      const config::GetEnvFunction& getenv) {
  std::vector<std::string> secrets = credentials.RevealAllForScrubbing();
  absl::StatusOr<std::vector<sdk::Secret>> tokens = config::LoadCallerTokens(config.auth, getenv);
  if (tokens.ok()) {
    for (const sdk::Secret& token : *tokens) secrets.push_back(token.reveal());
  }
  if (config.remote.enabled() && !config.remote.token_env.empty()) {
    std::string worker_token = getenv(config.remote.token_env).value_or("");
    if (!worker_token.empty()) secrets.push_back(std::move(worker_token));
  }
  return secrets;
}

// $env must never expose a credential. Naming the variable a credential is read from is refused
// with the rest of the configuration (host_config.cc); this catches another variable holding the
// same value (a copy of the key under another name). The message names the variable, never the
// value.
absl::Status RefuseExposedSecrets(const std::map<std::string, std::string, std::less<>>& env,
                                  const common::SecretScrubber& scrubber) {
  for (const auto& [name, value] : env) {
    if (scrubber.ContainsSecret(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("env_allowlist: environment variable ", name,
                       " holds a credential (the secret of a configured credential or a caller's "
                       "token); "
                       "workflows would read it as $env and could put it in outputs and upstream "
                       "requests. Remove ",
                       name, " from env_allowlist"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Create(RuntimeOptions options) {
  std::unique_ptr<Runtime> runtime(new Runtime());
  runtime->config_ = std::move(options.config);
  const config::HostConfig& config = runtime->config_;

  sdk::LogLevel level;
  if (!common::ParseLogLevel(config.log_level, &level)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown log level '", config.log_level,
                                                   "': use debug, info, warning or error"));
  }
  auto credentials =
      config::ConfigCredentialStore::Create(config, options.getenv, options.missing_secret_advice);
  if (!credentials.ok()) return credentials.status();
  runtime->credentials_ = std::move(*credentials);
  runtime->scrubber_ = std::make_shared<const common::SecretScrubber>(
      KnownSecrets(config, *runtime->credentials_, options.getenv));
  std::map<std::string, std::string, std::less<>> env =
      config::AllowlistedEnvironment(config, options.getenv);
  if (absl::Status exposed = RefuseExposedSecrets(env, *runtime->scrubber_); !exposed.ok()) {
    return exposed;
  }

  std::shared_ptr<common::LogSink> sink =
      options.log_sink ? options.log_sink : std::make_shared<common::FileLogSink>(stderr);
  runtime->logger_ = std::make_unique<common::JsonLogger>(sink, level, nullptr, runtime->scrubber_);

  absl::StatusOr<std::vector<plugins::LoadedPlugin>> loaded =
      RegisterHostNodeTypes(config, runtime->registry_, runtime->route_health_);
  if (!loaded.ok()) return loaded.status();
  runtime->plugins_ = *std::move(loaded);
  for (const plugins::LoadedPlugin& plugin : runtime->plugins_) {
    runtime->logger_->Log(sdk::LogLevel::kInfo, "plugin loaded",
                          {{"plugin", plugin.name},
                           {"version", plugin.version},
                           {"file", plugin.path},
                           {"abi", absl::StrCat(plugin.abi_major, ".", plugin.abi_minor)},
                           {"node_types", plugin.node_types}});
  }

  if (options.register_more_nodes) {
    if (absl::Status status = options.register_more_nodes(runtime->registry_); !status.ok()) {
      return absl::InternalError(absl::StrCat("registering more node types: ", status.message()));
    }
  }

  runtime->scheduler_ =
      std::make_unique<common::ThreadPoolScheduler>(options.worker_threads, runtime->logger_.get());
  if (absl::Status remote = runtime->StartRemoteNodes(options.getenv); !remote.ok()) {
    return remote;
  }

  runtime->http_ = std::make_unique<http::CurlHttpClient>(*runtime->scheduler_,
                                                          HttpClientOptionsFor(config.http));
  http::HostHttpLimits http_limits;
  http_limits.max_connect_timeout = config.http.connect_timeout;
  http_limits.max_response_bytes = static_cast<size_t>(config.http.max_response_bytes);
  runtime->limited_http_ = std::make_unique<http::LimitedHttpClient>(*runtime->http_, http_limits);

  executor::HostServices services;
  services.scheduler = runtime->scheduler_.get();
  services.http = runtime->limited_http_.get();
  services.credentials = runtime->credentials_.get();
  services.workflows = &runtime->resolver_;
  services.logger = runtime->logger_.get();
  services.env = std::move(env);

  executor::ExecutionLimits limits;
  limits.max_execution_time = config.limits.max_execution_time;
  limits.max_items_per_output = static_cast<size_t>(config.limits.max_items_per_output);
  limits.max_execution_item_bytes = static_cast<size_t>(config.limits.max_execution_item_bytes);
  limits.max_total_item_bytes = static_cast<size_t>(config.limits.max_total_item_bytes);
  limits.max_subworkflow_depth = static_cast<int>(config.limits.max_subworkflow_depth);
  limits.max_retry_after = config.http.max_retry_after;
  runtime->executor_ = std::make_unique<executor::Executor>(std::move(services), limits);
  return runtime;
}

absl::Status Runtime::StartRemoteNodes(const config::GetEnvFunction& getenv) {
  const config::RemoteNodesConfig& settings = config_.remote;
  if (!settings.enabled()) {
    if (settings.managed.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        "remote.managed names workers to start, but remote.listen is empty: set the address "
        "they dial (127.0.0.1:0 picks a free port)");
  }
  remote::RemoteConfig remote_config;
  remote_config.listen = settings.listen;
  if (!settings.token_env.empty()) {
    remote_config.token = getenv(settings.token_env).value_or("");
  }
  remote_config.heartbeat_interval = settings.heartbeat_interval;
  remote_config.heartbeat_timeout = settings.heartbeat_timeout;
  remote_config.cancel_grace = settings.cancel_grace;
  remote_config.worker_wait = settings.worker_wait;
  remote_config.max_queued_per_type = settings.max_queued_per_type;
  for (const auto& [name, type] : settings.types) {
    absl::StatusOr<remote::DeclaredRemoteType> declared =
        remote::LoadDeclaredRemoteType(name, type.schema_file, type.description, type.outputs);
    if (!declared.ok()) return declared.status();
    remote_config.types.push_back(*std::move(declared));
  }
  worker_hub_ = remote::WorkerHub::Create(
      std::move(remote_config), *scheduler_, *logger_,
      [this](std::string_view type) { return remote::DescribeTypeHolder(registry_, type); });
  if (absl::Status registered = remote::RegisterRemoteNodeTypes(worker_hub_, registry_);
      !registered.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("remote.types: ", registered.message()));
  }
  absl::StatusOr<std::unique_ptr<remote::WorkerListener>> listener =
      remote::WorkerListener::Start(worker_hub_);
  if (!listener.ok()) return listener.status();
  worker_listener_ = *std::move(listener);
  logger_->Log(sdk::LogLevel::kInfo, "listening for remote workers",
               {{"address", settings.listen}, {"port", worker_listener_->port()},
                {"types", settings.types.size()}});
  if (settings.managed.empty()) return absl::OkStatus();
  std::vector<remote::ManagedWorkerSpec> specs;
  for (const auto& [name, worker] : settings.managed) specs.push_back({name, worker.command});
  absl::StatusOr<std::unique_ptr<remote::ManagedWorkers>> managed = remote::ManagedWorkers::Start(
      std::move(specs), worker_listener_->dial_address(),
      worker_hub_->config().token, *logger_);
  if (!managed.ok()) return managed.status();
  managed_workers_ = *std::move(managed);
  return absl::OkStatus();
}

void Runtime::DrainRemoteWorkers(absl::Duration grace) {
  if (managed_workers_) managed_workers_->StopRestarting();
  if (worker_hub_) worker_hub_->Drain(grace);
}

void Runtime::StopRemoteWorkers(absl::Duration grace) {
  if (worker_listener_) worker_listener_->Shutdown(grace);
  if (managed_workers_) managed_workers_->Stop(absl::Seconds(5));
}

Runtime::~Runtime() {
  // Workers first: the hub fails what it holds and never touches the pool again.
  if (worker_listener_) worker_listener_->Shutdown(absl::ZeroDuration());
  if (worker_hub_) worker_hub_->Stop();
  managed_workers_.reset();
  // The HTTP client cancels what is in flight and posts those completions to the pool; the pool
  // runs them and joins; only then may the executor, which they call back into, go.
  limited_http_.reset();
  http_.reset();
  scheduler_.reset();
  executor_.reset();
}

}  // namespace flowhost::runtime
