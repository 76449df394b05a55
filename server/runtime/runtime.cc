#include "server/runtime/runtime.h"


#include "absl/strings/str_cat.h"
#include "server/registry/builtin_nodes.h"
#include "server/runtime/http_client_options.h"

namespace flowhost::runtime {

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Create(RuntimeOptions options) {
  std::unique_ptr<Runtime> runtime(new Runtime());
  runtime->config_ = std::move(options.config);
  const config::HostConfig& config = runtime->config_;

  sdk::LogLevel level;
  if (!common::ParseLogLevel(config.log_level, &level)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown log level '", config.log_level,
                                                   "': use debug, info, warning or error"));
  }
  std::shared_ptr<common::LogSink> sink =
      options.log_sink ? options.log_sink : std::make_shared<common::FileLogSink>(stderr);
  runtime->logger_ = std::make_unique<common::JsonLogger>(sink, level);

  registry::BuiltinNodeOptions node_options;
  node_options.max_retry_after = config.http.max_retry_after;
  if (absl::Status status = registry::RegisterBuiltinNodes(runtime->registry_, node_options);
      !status.ok()) {
    return absl::InternalError(absl::StrCat("registering built-in nodes: ", status.message()));
  }
  auto credentials = config::ConfigCredentialStore::Create(config, options.getenv);
  if (!credentials.ok()) return credentials.status();
  runtime->credentials_ = std::move(*credentials);

  runtime->scheduler_ = std::make_unique<common::ThreadPoolScheduler>(options.worker_threads);

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
  services.env = config::AllowlistedEnvironment(config, options.getenv);

  executor::ExecutionLimits limits;
  limits.max_execution_time = config.limits.max_execution_time;
  limits.max_items_per_output = static_cast<size_t>(config.limits.max_items_per_output);
  limits.max_subworkflow_depth = static_cast<int>(config.limits.max_subworkflow_depth);
  runtime->executor_ = std::make_unique<executor::Executor>(std::move(services), limits);
  return runtime;
}

Runtime::~Runtime() {
  // The HTTP client cancels what is in flight and posts those completions to the pool; the pool runs
  // them and joins; only then may the executor, which they call back into, go.
  limited_http_.reset();
  http_.reset();
  scheduler_.reset();
  executor_.reset();
}

}  // namespace flowhost::runtime
