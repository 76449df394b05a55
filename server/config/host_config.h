// The host's configuration: where `flowhost serve` listens, which workflows it loads, its limits,
// its credentials by name (by reference: the environment variables or files holding them, never
// the secrets themselves), caller authentication, TLS and shutdown.
//
// Sources, later ones winning: built-in defaults < the YAML file (--config / FLOWHOST_CONFIG) <
// environment variables < command-line flags. Every setting, with its YAML key, environment
// variable, flag and default, is listed once in config_settings.cc and documented in
// docs/configuration.md. Unknown keys and malformed values are errors, reported all at once with
// FILE:LINE:COL for the file.
//
// Ownership: a plain value, built once at start-up. Thread-safety: immutable once loaded.
#ifndef FLOWHOST_SERVER_CONFIG_HOST_CONFIG_H_
#define FLOWHOST_SERVER_CONFIG_HOST_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/retry.h"
#include "server/config/credential_config.h"
#include "server/config/store_config.h"

namespace flowhost::config {

// Per-execution and service-wide bounds.
struct LimitsConfig {
  int64_t max_executions_in_flight = 256;  // more are refused with RESOURCE_EXHAUSTED
  int64_t max_message_bytes = 4 << 20;     // largest gRPC message received or sent
  absl::Duration max_execution_time = absl::Minutes(10);
  int64_t max_items_per_output = 100'000;
  int64_t max_execution_item_bytes = int64_t{256} << 20;  // items one execution may hold
  int64_t max_total_item_bytes = int64_t{1} << 30;        // items all executions may hold
  int64_t max_subworkflow_depth = 8;
  int64_t stream_queue_events = 1024;  // events a slow StreamWorkflow reader may fall behind by
};

// Authentication of gRPC callers with bearer tokens; off when no token is configured.
struct AuthConfig {
  std::string tokens_env = "FLOWHOST_AUTH_TOKENS";  // variable holding comma-separated tokens
  std::string tokens_file;  // a file holding one token per line ('#' starts a comment)
};

// TLS for the gRPC listener; off unless both files are set.
struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  bool enabled() const { return !cert_file.empty(); }
};

// Bounds of the shared upstream HTTP client.
struct HttpConfig {
  int64_t max_connections = 64;  // per upstream host
  absl::Duration connect_timeout = absl::Seconds(10);
  int64_t max_response_bytes = 32 << 20;
  int64_t max_queued_requests = 10'000;
  int64_t max_requests_in_flight = 4096;  // on the wire at once; at least max_connections
  std::string ca_file;  // trusted CAs for upstream HTTPS; empty: the system's store
  // Longest Retry-After (or rate-limit reset) honoured from an upstream: longer ones are cut to
  // it, in retries, router cool-downs and the ErrorDetails callers get.
  absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
};

// TLS for the HTTP/JSON listener (docs/http.md "TLS"); off unless cert_file is set.
struct HttpServerTlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // set: mutual TLS, clients must present a certificate it signs
  bool enabled() const { return !cert_file.empty(); }
};

// The HTTP/JSON listener beside the gRPC port (server/http_api, docs/http.md); off unless `listen`
// is set.
struct HttpServerConfig {
  std::string listen;                    // HOST:PORT; empty: no HTTP listener
  int64_t max_body_bytes = 4 << 20;      // larger request bodies are refused with 413
  // A request's head and body must arrive within this, counted from the connection's opening or
  // the previous answer: also the longest a kept-alive connection may sit idle (slowloris).
  absl::Duration request_timeout = absl::Seconds(30);
  // Longest a connection may go without a byte moving while a request is read or an answer written.
  absl::Duration io_timeout = absl::Seconds(60);
  // The workflow that serves OpenAI chat completions for model ids that are not workflows
  // exposed as "openai" (docs/http.md); empty: such ids are 404 model_not_found.
  std::string openai_default_workflow;
  HttpServerTlsConfig tls;
  bool enabled() const { return !listen.empty(); }
};

// A node type served by remote workers, declared so that workflows using it validate at load.
struct RemoteTypeConfig {
  std::string schema_file;  // the type's parameter schema, a JSON object (relative: to the cwd)
  std::string description;
  std::vector<std::string> outputs;  // empty: one output, "main"
};

// A worker command flowhost starts and keeps running itself (managed mode).
struct ManagedWorkerConfig {
  std::vector<std::string> command;  // argv; argv[0] is looked up on PATH
};

// Remote nodes (server/remote, docs/plugins.md "Remote nodes"): where workers dial in, the types
// they may serve, and the workers flowhost starts itself. Off unless `listen` is set.
struct RemoteNodesConfig {
  std::string listen;                             // HOST:PORT of the worker listener
  std::string token_env = "FLOWHOST_WORKER_TOKEN";  // variable holding the workers' shared token
  absl::Duration heartbeat_interval = absl::Milliseconds(500);
  absl::Duration heartbeat_timeout = absl::Milliseconds(1500);
  absl::Duration cancel_grace = absl::Seconds(1);
  absl::Duration worker_wait = absl::Seconds(5);
  int64_t max_queued_per_type = 10'000;
  std::map<std::string, RemoteTypeConfig> types;  // by node type name
  std::map<std::string, ManagedWorkerConfig> managed;  // by worker id
  bool enabled() const { return !listen.empty(); }
};

struct HostConfig {
  std::string listen = "127.0.0.1:50051";
  std::string workflows_dir = "workflows";
  std::string log_level = "info";  // debug, info, warning, error
  // Node plugin libraries, loaded in this order after the built-in node types (docs/plugins.md).
  std::vector<std::string> plugins;
  LimitsConfig limits;
  CredentialConfigs credentials = DefaultCredentials();  // by name (credential_config.h)
  std::vector<std::string> env_allowlist;  // environment variables workflows may read as $env
  AuthConfig auth;
  TlsConfig tls;
  HttpServerConfig http_server;
  absl::Duration shutdown_grace_period = absl::Seconds(30);
  // "on": Prometheus metrics are counted and served on GET /metrics (docs/observability.md);
  // "off": nothing is counted (no gRPC interceptor, no per-execution records) and /metrics is 404.
  std::string metrics = "on";
  bool metrics_enabled() const { return metrics == "on"; }
  HttpConfig http;
  StoreConfig store;  // the execution store (docs/executions.md)
  RemoteNodesConfig remote;
};

// Reads an environment variable; nullopt when unset.
using GetEnvFunction = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (::getenv).
GetEnvFunction ProcessEnvironment();

// Where a configuration comes from.
struct ConfigSources {
  std::string file;  // the YAML file; empty for none (then FLOWHOST_CONFIG is consulted)
  // The file's text, when the caller already holds it (tests, fuzzing): nothing is read from disk
  // and `file` only names it in messages.
  std::optional<std::string> file_text;
  GetEnvFunction getenv = ProcessEnvironment();
  // Flags as (name without "--", value), in command-line order; a later one wins, except that the
  // values of a repeated list flag (--plugin) are collected, and together they replace the list.
  std::vector<std::pair<std::string, std::string>> flags;
};

// Builds the configuration from `sources`. INVALID_ARGUMENT listing every problem (one per line:
// "FILE:LINE:COL: unknown key 'limts' (did you mean 'limits'?)", "environment variable
// FLOWHOST_LISTEN: ...", "flag --max-executions-in-flight: ..."); NOT_FOUND when the file is
// missing.
absl::StatusOr<HostConfig> LoadHostConfig(const ConfigSources& sources);

// Takes the configuration flags out of `args` ("--name value" or "--name=value"; "--config FILE"
// names the file) into `sources`, and returns the other arguments in order. INVALID_ARGUMENT for a
// configuration flag without a value.
absl::StatusOr<std::vector<std::string>> ExtractConfigFlags(const std::vector<std::string>& args,
                                                            ConfigSources& sources);

}  // namespace flowhost::config

#endif  // FLOWHOST_SERVER_CONFIG_HOST_CONFIG_H_
