#include "server/config/config_settings.h"

#include <array>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/duration.h"

namespace flowhost::config {
namespace {

using sdk::AsAbsl;

// clang-format off
const std::array<Setting, 63> kSettings = {{
    {"listen", "FLOWHOST_LISTEN", "listen", "127.0.0.1:50051",
     "Address the gRPC server listens on (HOST:PORT; port 0 picks a free port). Use 0.0.0.0:50051 in a container. A port already in use stops the start-up.",
     [](HostConfig& c) -> SettingField { return &c.listen; }},
    {"workflows_dir", "FLOWHOST_WORKFLOWS", "workflows", "workflows",
     "Directory whose *.yaml / *.yml workflows are loaded and reloaded on change.",
     [](HostConfig& c) -> SettingField { return &c.workflows_dir; }},
    {"log_level", "FLOWHOST_LOG_LEVEL", "log-level", "info",
     "Lowest level logged: debug, info, warning or error.",
     [](HostConfig& c) -> SettingField { return &c.log_level; }},
    {"plugins", "FLOWHOST_PLUGINS", "plugin", "(none)",
     "Node plugin libraries loaded at start-up, in order, after the built-in node types (a YAML list; colon-separated in the variable, like PATH; one file per --plugin, which may be repeated). A relative path is taken from the working directory. A plugin that cannot be loaded stops the start-up.",
     [](HostConfig& c) -> SettingField { return &c.plugins; }, 0, ':', true},
    {"remote.listen", "FLOWHOST_REMOTE_LISTEN", "remote-listen", "",
     "Address remote workers dial: HOST:PORT (port 0 picks a free port), or unix:/PATH, a Unix socket for workers on the same machine (mode 0660); remote nodes are off when empty. A non-loopback TCP address needs a token (remote.token_env).",
     [](HostConfig& c) -> SettingField { return &c.remote.listen; }},
    {"remote.token_env", "", "remote-token-env", "FLOWHOST_WORKER_TOKEN",
     "Name of the environment variable holding the token workers must present in their Hello; none needed on loopback when it is unset.",
     [](HostConfig& c) -> SettingField { return &c.remote.token_env; }},
    {"remote.heartbeat_interval", "", "remote-heartbeat-interval", "500ms",
     "How often the host and each worker send a heartbeat.",
     [](HostConfig& c) -> SettingField { return &c.remote.heartbeat_interval; }},
    {"remote.heartbeat_timeout", "", "remote-heartbeat-timeout", "1500ms",
     "A worker silent this long is lost: its items in flight fail with the retryable class unavailable.",
     [](HostConfig& c) -> SettingField { return &c.remote.heartbeat_timeout; }},
    {"remote.cancel_grace", "", "remote-cancel-grace", "1s",
     "How long a worker has to answer a cancel before the item counts as lost.",
     [](HostConfig& c) -> SettingField { return &c.remote.cancel_grace; }},
    {"remote.worker_wait", "", "remote-worker-wait", "5s",
     "How long a node of a declared remote type waits for a worker to connect before failing UNAVAILABLE.",
     [](HostConfig& c) -> SettingField { return &c.remote.worker_wait; }},
    {"remote.max_queued_per_type", "", "remote-max-queued-per-type", "10000",
     "Items waiting for a worker's credit, per remote node type; more are refused with RESOURCE_EXHAUSTED.",
     [](HostConfig& c) -> SettingField { return &c.remote.max_queued_per_type; }, 1},
    {"limits.max_executions_in_flight", "FLOWHOST_MAX_EXECUTIONS_IN_FLIGHT", "max-executions-in-flight", "256",
     "Executions running at once; more are refused at once with RESOURCE_EXHAUSTED, except StartWorkflow's, which are queued in the execution store for any replica with a place.",
     [](HostConfig& c) -> SettingField { return &c.limits.max_executions_in_flight; }, 1},
    {"limits.max_message_bytes", "FLOWHOST_MAX_MESSAGE_BYTES", "max-message-bytes", "4194304",
     "Largest gRPC message received or sent, in bytes.",
     [](HostConfig& c) -> SettingField { return &c.limits.max_message_bytes; }, 1024},
    {"limits.max_execution_time", "FLOWHOST_MAX_EXECUTION_TIME", "max-execution-time", "10m",
     "Longest an execution may run, whatever the caller's deadline.",
     [](HostConfig& c) -> SettingField { return &c.limits.max_execution_time; }},
    {"limits.max_items_per_output", "FLOWHOST_MAX_ITEMS_PER_OUTPUT", "max-items-per-output", "100000",
     "Most items a node may emit on one output.",
     [](HostConfig& c) -> SettingField { return &c.limits.max_items_per_output; }, 1},
    {"limits.max_execution_item_bytes", "FLOWHOST_MAX_EXECUTION_ITEM_BYTES", "max-execution-item-bytes", "268435456",
     "Bytes of items one execution (with its sub-workflows) may hold at once; crossing it fails the execution with RESOURCE_EXHAUSTED.",
     [](HostConfig& c) -> SettingField { return &c.limits.max_execution_item_bytes; }, 1024},
    {"limits.max_total_item_bytes", "FLOWHOST_MAX_TOTAL_ITEM_BYTES", "max-total-item-bytes", "1073741824",
     "Bytes of items all executions together may hold at once; the execution that would cross it fails with RESOURCE_EXHAUSTED. Size it to about half the memory the server may use.",
     [](HostConfig& c) -> SettingField { return &c.limits.max_total_item_bytes; }, 1024},
    {"limits.max_subworkflow_depth", "FLOWHOST_MAX_SUBWORKFLOW_DEPTH", "max-subworkflow-depth", "8",
     "How deep execute_workflow may nest.",
     [](HostConfig& c) -> SettingField { return &c.limits.max_subworkflow_depth; }, 0},
    {"limits.stream_queue_events", "FLOWHOST_STREAM_QUEUE_EVENTS", "stream-queue-events", "1024",
     "Events a slow StreamWorkflow reader may fall behind by; beyond it token deltas are merged.",
     [](HostConfig& c) -> SettingField { return &c.limits.stream_queue_events; }, 16},
    // The default credential's settings, by the names they had before credentials had names.
    {"credentials.openrouter.from_env", "", "openrouter-api-key-env", "OPENROUTER_API_KEY",
     "Name of the environment variable holding the openrouter credential's secret (the OpenRouter API key); api_key_env is accepted too.",
     [](HostConfig& c) -> SettingField { return &c.credentials[kDefaultCredentialName].from_env; }},
    {"credentials.openrouter.from_file", "FLOWHOST_OPENROUTER_API_KEY_FILE", "openrouter-api-key-file", "",
     "File holding the OpenRouter API key (surrounding whitespace ignored); wins over from_env. api_key_file is accepted too.",
     [](HostConfig& c) -> SettingField { return &c.credentials[kDefaultCredentialName].from_file; }},
    {"credentials.openrouter.base_url", "OPENROUTER_BASE_URL", "openrouter-base-url", "https://openrouter.ai/api/v1",
     "OpenRouter API base URL (tests point it at the fake).",
     [](HostConfig& c) -> SettingField { return &c.credentials[kDefaultCredentialName].attributes["base_url"]; }},
    {"credentials.openrouter.http_referer", "OPENROUTER_HTTP_REFERER", "openrouter-http-referer", "",
     "Sent as HTTP-Referer for OpenRouter's app attribution, when set.",
     [](HostConfig& c) -> SettingField { return &c.credentials[kDefaultCredentialName].attributes["http_referer"]; }},
    {"credentials.openrouter.app_title", "OPENROUTER_APP_TITLE", "openrouter-app-title", "",
     "Sent as X-Title for OpenRouter's app attribution, when set.",
     [](HostConfig& c) -> SettingField { return &c.credentials[kDefaultCredentialName].attributes["app_title"]; }},
    {"env_allowlist", "FLOWHOST_ENV_ALLOWLIST", "env-allowlist", "(none)",
     "Environment variables workflows may read as $env (a YAML list; comma-separated in the variable and flag).",
     [](HostConfig& c) -> SettingField { return &c.env_allowlist; }},
    {"auth.tokens_env", "", "auth-tokens-env", "FLOWHOST_AUTH_TOKENS",
     "Name of the environment variable holding the callers' bearer tokens, comma-separated. Authentication is on when any token is configured.",
     [](HostConfig& c) -> SettingField { return &c.auth.tokens_env; }},
    {"auth.tokens_file", "FLOWHOST_AUTH_TOKENS_FILE", "auth-tokens-file", "",
     "File holding the callers' bearer tokens, one per line ('#' starts a comment).",
     [](HostConfig& c) -> SettingField { return &c.auth.tokens_file; }},
    {"tls.cert_file", "FLOWHOST_TLS_CERT_FILE", "tls-cert-file", "",
     "PEM certificate chain of the gRPC listener; TLS is on when set (with tls.key_file).",
     [](HostConfig& c) -> SettingField { return &c.tls.cert_file; }},
    {"tls.key_file", "FLOWHOST_TLS_KEY_FILE", "tls-key-file", "",
     "PEM private key of the gRPC listener.",
     [](HostConfig& c) -> SettingField { return &c.tls.key_file; }},
    {"http_server.listen", "FLOWHOST_HTTP_LISTEN", "http-listen", "",
     "Address of the HTTP/JSON listener beside the gRPC one (HOST:PORT; port 0 picks a free port; docs/http.md). Off when empty.",
     [](HostConfig& c) -> SettingField { return &c.http_server.listen; }},
    {"http_server.max_body_bytes", "FLOWHOST_HTTP_SERVER_MAX_BODY_BYTES", "http-server-max-body-bytes", "4194304",
     "Largest HTTP request body accepted, in bytes; a larger one is refused with 413.",
     [](HostConfig& c) -> SettingField { return &c.http_server.max_body_bytes; }, 1024},
    {"http_server.request_timeout", "FLOWHOST_HTTP_SERVER_REQUEST_TIMEOUT", "http-server-request-timeout", "30s",
     "An HTTP request's head and body must arrive within this, counted from the connection's opening or the previous answer; also the longest a kept-alive connection may sit idle. Slower connections are closed.",
     [](HostConfig& c) -> SettingField { return &c.http_server.request_timeout; }},
    {"http_server.io_timeout", "FLOWHOST_HTTP_SERVER_IO_TIMEOUT", "http-server-io-timeout", "60s",
     "Longest an HTTP connection may go without a byte moving while a request is read or an answer written.",
     [](HostConfig& c) -> SettingField { return &c.http_server.io_timeout; }},
    {"http_server.openai_default_workflow", "FLOWHOST_OPENAI_DEFAULT_WORKFLOW", "openai-default-workflow", "",
     "Workflow serving POST /v1/chat/completions for model ids that are not workflows exposed as OpenAI models; its 'model' input gets the id (docs/http.md). Unset: such ids are 404.",
     [](HostConfig& c) -> SettingField { return &c.http_server.openai_default_workflow; }},
    {"http_server.tls.cert_file", "FLOWHOST_HTTP_TLS_CERT_FILE", "http-tls-cert-file", "",
     "PEM certificate chain of the HTTP/JSON listener; it speaks HTTPS only when set (with http_server.tls.key_file; docs/http.md).",
     [](HostConfig& c) -> SettingField { return &c.http_server.tls.cert_file; }},
    {"http_server.tls.key_file", "FLOWHOST_HTTP_TLS_KEY_FILE", "http-tls-key-file", "",
     "PEM private key of the HTTP/JSON listener's certificate (not encrypted).",
     [](HostConfig& c) -> SettingField { return &c.http_server.tls.key_file; }},
    {"http_server.tls.client_ca_file", "FLOWHOST_HTTP_TLS_CLIENT_CA_FILE", "http-tls-client-ca-file", "",
     "PEM CA certificates for mutual TLS on the HTTP/JSON listener: when set, every client must present a certificate they sign.",
     [](HostConfig& c) -> SettingField { return &c.http_server.tls.client_ca_file; }},
    {"metrics", "FLOWHOST_METRICS", "metrics", "on",
     "Prometheus metrics: on (counted, served on GET /metrics of the HTTP listener) or off (nothing counted; docs/observability.md).",
     [](HostConfig& c) -> SettingField { return &c.metrics; }},
    {"shutdown_grace_period", "FLOWHOST_SHUTDOWN_GRACE_PERIOD", "shutdown-grace-period", "30s",
     "On SIGTERM/SIGINT, how long in-flight executions may finish before they are cancelled.",
     [](HostConfig& c) -> SettingField { return &c.shutdown_grace_period; }},
    {"http.max_connections", "FLOWHOST_HTTP_MAX_CONNECTIONS", "http-max-connections", "64",
     "Upstream connections kept per host by the shared HTTP client.",
     [](HostConfig& c) -> SettingField { return &c.http.max_connections; }, 1},
    {"http.connect_timeout", "FLOWHOST_HTTP_CONNECT_TIMEOUT", "http-connect-timeout", "10s",
     "Longest wait for an upstream connection.",
     [](HostConfig& c) -> SettingField { return &c.http.connect_timeout; }},
    {"http.max_response_bytes", "FLOWHOST_HTTP_MAX_RESPONSE_BYTES", "http-max-response-bytes", "33554432",
     "Largest upstream response body accepted, in bytes.",
     [](HostConfig& c) -> SettingField { return &c.http.max_response_bytes; }, 1024},
    {"http.max_queued_requests", "FLOWHOST_HTTP_MAX_QUEUED_REQUESTS", "http-max-queued-requests", "10000",
     "Upstream requests waiting for a connection; more fail with queue_full.",
     [](HostConfig& c) -> SettingField { return &c.http.max_queued_requests; }, 1},
    {"http.max_requests_in_flight", "FLOWHOST_HTTP_MAX_REQUESTS_IN_FLIGHT", "http-max-requests-in-flight", "4096",
     "Upstream requests on the wire at once (never fewer than http.max_connections; over HTTP/2 up to 100 share a connection); more wait in the queue.",
     [](HostConfig& c) -> SettingField { return &c.http.max_requests_in_flight; }, 1},
    {"http.ca_file", "FLOWHOST_HTTP_CA_FILE", "http-ca-file", "",
     "PEM bundle of the certificate authorities trusted for upstream HTTPS (such as an egress proxy's); default: the system's store.",
     [](HostConfig& c) -> SettingField { return &c.http.ca_file; }},
    {"http.max_retry_after", "FLOWHOST_HTTP_MAX_RETRY_AFTER", "http-max-retry-after", "5m",
     "Longest Retry-After (or rate-limit reset) honoured from an upstream; a longer one is cut to this in retries, router cool-downs and error details.",
     [](HostConfig& c) -> SettingField { return &c.http.max_retry_after; }},
    {"store.backend", "FLOWHOST_STORE", "store", "sqlite",
     "Where executions are recorded: sqlite (a file under store.data_dir, one process), postgres (store.url, shared by replicas, which then share route health too: docs/routing.md) or none.",
     [](HostConfig& c) -> SettingField { return &c.store.backend; }},
    {"store.data_dir", "FLOWHOST_DATA_DIR", "data-dir", "",
     "Directory of the sqlite store's flowhost.db (created if missing; one process at a time); default: $XDG_STATE_HOME/flowhost, else ~/.local/state/flowhost, else ./flowhost-data.",
     [](HostConfig& c) -> SettingField { return &c.store.data_dir; }},
    {"store.url", "FLOWHOST_STORE_URL", "store-url", "",
     "PostgreSQL connection URL or key=value string for the postgres store; keep the password in PGPASSWORD or ~/.pgpass.",
     [](HostConfig& c) -> SettingField { return &c.store.url; }},
    {"store.save", "FLOWHOST_STORE_SAVE", "store-save", "all",
     "What finished executions keep by default: all, failed (failed and cancelled ones) or none; a workflow may say otherwise.",
     [](HostConfig& c) -> SettingField { return &c.store.save; }},
    {"store.retention.max_age", "FLOWHOST_STORE_RETENTION_MAX_AGE", "store-retention-max-age", "336h",
     "Finished executions older than this are pruned (336h: 14 days). Running ones never are.",
     [](HostConfig& c) -> SettingField { return &c.store.retention_max_age; }},
    {"store.retention.max_count", "FLOWHOST_STORE_RETENTION_MAX_COUNT", "store-retention-max-count", "10000",
     "Finished executions kept at most; the oldest beyond it are pruned.",
     [](HostConfig& c) -> SettingField { return &c.store.retention_max_count; }, 1},
    {"store.prune_interval", "FLOWHOST_STORE_PRUNE_INTERVAL", "store-prune-interval", "1h",
     "How often the store prunes by store.retention.",
     [](HostConfig& c) -> SettingField { return &c.store.prune_interval; }},
    {"store.max_input_bytes", "FLOWHOST_STORE_MAX_INPUT_BYTES", "store-max-input-bytes", "4194304",
     "Largest execution input recorded, as JSON bytes; a larger one is refused with INVALID_ARGUMENT.",
     [](HostConfig& c) -> SettingField { return &c.store.max_input_bytes; }, 1},
    {"store.max_output_bytes", "FLOWHOST_STORE_MAX_OUTPUT_BYTES", "store-max-output-bytes", "1048576",
     "Output items recorded per execution (nodes and final output together); past it items are cut and marked truncated.",
     [](HostConfig& c) -> SettingField { return &c.store.max_output_bytes; }, 0},
    {"store.max_events_per_execution", "FLOWHOST_STORE_MAX_EVENTS_PER_EXECUTION", "store-max-events-per-execution", "10000",
     "Events recorded per execution for WatchExecution; the last slot holds an events_truncated marker.",
     [](HostConfig& c) -> SettingField { return &c.store.max_events_per_execution; }, 2},
    {"store.max_queued_operations", "FLOWHOST_STORE_MAX_QUEUED_OPERATIONS", "store-max-queued-operations", "10000",
     "Writes and reads waiting for the store thread; more are refused with RESOURCE_EXHAUSTED.",
     [](HostConfig& c) -> SettingField { return &c.store.max_queued_operations; }, 1},
    {"store.max_database_bytes", "FLOWHOST_STORE_MAX_DATABASE_BYTES", "store-max-database-bytes", "0",
     "Largest size of the sqlite store's file (0: the disk's); writes past it fail with RESOURCE_EXHAUSTED.",
     [](HostConfig& c) -> SettingField { return &c.store.max_database_bytes; }, 0},
    {"store.sqlite.synchronous", "FLOWHOST_STORE_SQLITE_SYNCHRONOUS", "store-sqlite-synchronous", "normal",
     "SQLite commit durability: normal (a commit survives the process being killed; an OS crash or power loss may lose the last ones, never the database) or full (the WAL is synced at every commit: survives power loss too, at a throughput cost).",
     [](HostConfig& c) -> SettingField { return &c.store.sqlite_synchronous; }},
    {"store.lease", "FLOWHOST_STORE_LEASE", "store-lease", "30s",
     "How long a replica holds a claimed execution without renewing it; after it another replica takes over.",
     [](HostConfig& c) -> SettingField { return &c.store.lease; }},
    {"store.poll_interval", "FLOWHOST_STORE_POLL_INTERVAL", "store-poll-interval", "5s",
     "How often a replica looks for claimable executions without a NOTIFY hint.",
     [](HostConfig& c) -> SettingField { return &c.store.poll_interval; }},
    {"store.durable_wait_threshold", "FLOWHOST_STORE_DURABLE_WAIT_THRESHOLD", "store-durable-wait-threshold", "1s",
     "A wait node with more than this long left parks its background execution in the store until due, surviving restarts; 0s: never.",
     [](HostConfig& c) -> SettingField { return &c.store.durable_wait_threshold; }},
    {"store.replicas", "FLOWHOST_STORE_REPLICAS", "store-replicas", "1",
     "How many flowhost processes share this store; more than 1 needs store.backend: postgres.",
     [](HostConfig& c) -> SettingField { return &c.store.replicas; }, 1},
}};
// clang-format on

std::string Trim(std::string_view text) {
  return std::string(sdk::AsStd(absl::StripAsciiWhitespace(AsAbsl(text))));
}

}  // namespace

std::span<const Setting> AllSettings() { return kSettings; }

const Setting* FindSettingByKey(std::string_view key) {
  for (const Setting& setting : kSettings) {
    if (setting.key == key) return &setting;
  }
  return nullptr;
}

const Setting* FindSettingByFlag(std::string_view flag) {
  for (const Setting& setting : kSettings) {
    if (!setting.flag.empty() && setting.flag == flag) return &setting;
  }
  return nullptr;
}

absl::Status ApplySettingText(const Setting& setting, std::string_view text, HostConfig& config) {
  SettingField field = setting.field(config);
  std::string value = Trim(text);
  if (auto* string_field = std::get_if<std::string*>(&field)) {
    **string_field = value;
    return absl::OkStatus();
  }
  if (auto* int_field = std::get_if<int64_t*>(&field)) {
    int64_t number = 0;
    if (!absl::SimpleAtoi(value, &number)) {
      return absl::InvalidArgumentError("expected an integer, got '" + value + "'");
    }
    if (number < setting.min) {
      return absl::InvalidArgumentError("must be at least " + std::to_string(setting.min) +
                                        ", got " + value);
    }
    **int_field = number;
    return absl::OkStatus();
  }
  if (auto* duration_field = std::get_if<absl::Duration*>(&field)) {
    absl::StatusOr<absl::Duration> duration = sdk::ParseDurationText(value);
    if (!duration.ok()) return duration.status();
    **duration_field = *duration;
    return absl::OkStatus();
  }
  std::vector<std::string> values;
  for (absl::string_view part :
       absl::StrSplit(AsAbsl(value), setting.list_separator, absl::SkipWhitespace())) {
    values.push_back(Trim(sdk::AsStd(part)));
  }
  return ApplySettingList(setting, std::move(values), config);
}

absl::Status ApplySettingList(const Setting& setting, std::vector<std::string> values,
                              HostConfig& config) {
  SettingField field = setting.field(config);
  auto* list_field = std::get_if<std::vector<std::string>*>(&field);
  if (list_field == nullptr)
    return absl::InvalidArgumentError("expected a single value, got a list");
  **list_field = std::move(values);
  return absl::OkStatus();
}

absl::Status AppendSettingValue(const Setting& setting, std::string_view text, HostConfig& config) {
  SettingField field = setting.field(config);
  auto* list_field = std::get_if<std::vector<std::string>*>(&field);
  if (list_field == nullptr)
    return absl::InvalidArgumentError("expected a single value, got a list");
  std::string value = Trim(text);
  if (value.empty()) return absl::InvalidArgumentError("expected a value, got an empty one");
  (*list_field)->push_back(std::move(value));
  return absl::OkStatus();
}

std::string SettingsHelp() {
  std::string help;
  for (const Setting& setting : kSettings) {
    help += "  ";
    help += setting.flag.empty() ? std::string(setting.key) : "--" + std::string(setting.flag);
    if (setting.repeated_flag) help += " (repeatable)";
    if (!setting.env.empty()) help += " (" + std::string(setting.env) + ")";
    help += "\n      " + std::string(setting.description);
    if (!setting.default_text.empty())
      help += " Default: " + std::string(setting.default_text) + ".";
    help += "\n";
  }
  return help;
}

}  // namespace flowhost::config
