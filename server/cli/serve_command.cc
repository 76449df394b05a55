// flowhost serve: the gRPC service (see server/service/service_host.h and docs/api.md).
#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "server/cli/commands.h"
#include "server/cli/offline_upstream.h"
#include "server/cli/shutdown_signals.h"
#include "server/config/config_settings.h"
#include "server/config/host_config.h"
#include "server/runtime/runtime.h"
#include "server/service/service_host.h"
#include "server/store/store_factory.h"

namespace flowhost::cli {
namespace {

constexpr char kServeUsage[] =
    "usage: flowhost serve [--offline] [--listen ADDR] [--workflows DIR] [--config FILE]\n"
    "                      [--data-dir DIR | --store none] [--SETTING VALUE]...\n"
    "\n"
    "Serves flowhost.v1.WorkflowService (with grpc.health.v1 and server reflection) until SIGTERM\n"
    "or SIGINT, then drains: health NOT_SERVING, no new executions, in-flight ones get the grace\n"
    "period (remote workers are sent Drain and finish what they hold); a second SIGTERM or SIGINT\n"
    "cancels them at once. The first line on stdout is 'LISTENING <port>'; with --http-listen the\n"
    "next is 'HTTP LISTENING <port>' (the HTTP/JSON API, docs/http.md); with remote.listen the\n"
    "next is 'WORKERS LISTENING <port>' (where remote workers dial, docs/plugins.md; the unix:\n"
    "address for a socket). Logs are JSON lines on stderr.\n"
    "\n"
    "Executions are recorded in the execution history: by default an SQLite file under\n"
    "--data-dir ($XDG_STATE_HOME/flowhost, else ~/.local/state/flowhost); --store none turns it\n"
    "off (docs/executions.md).\n"
    "\n"
    "  --offline  start the bundled fake OpenRouter on loopback and send every OpenRouter call\n"
    "             there: canned answers, no key, no network (logged at start; docs/cli.md)\n"
    "\n"
    "Settings (flag, environment variable; precedence flag > env > file > default):\n";

// One line at start: where executions are recorded, or that they are not.
void LogHistory(const config::StoreConfig& store, sdk::Logger& logger) {
  if (store.backend == "none") {
    logger.Log(sdk::LogLevel::kInfo,
               "execution history off (store.backend none): StartWorkflow and the execution "
               "RPCs answer FAILED_PRECONDITION",
               {{"backend", store.backend}});
    return;
  }
  sdk::Json fields = {{"backend", store.backend}, {"save", store.save}};
  if (store.backend == "sqlite") fields["file"] = store.data_dir + "/flowhost.db";
  logger.Log(sdk::LogLevel::kInfo, "execution history", fields);
}

}  // namespace

int ServeCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kServeUsage << config::SettingsHelp();
    return kExitOk;
  }
  bool offline = false;
  Args settings;
  for (const std::string& arg : args) {
    if (arg == "--offline") {
      offline = true;
    } else {
      settings.push_back(arg);
    }
  }
  config::ConfigSources sources;
  absl::StatusOr<std::vector<std::string>> rest = config::ExtractConfigFlags(settings, sources);
  if (!rest.ok()) {
    err << "flowhost serve: " << rest.status().message() << "\n";
    return kExitInvalid;
  }
  if (!rest->empty()) {
    err << "flowhost serve: unexpected argument '" << rest->front()
        << "' (flowhost serve --help lists the settings)\n";
    return kExitInvalid;
  }
  absl::StatusOr<config::HostConfig> host_config = config::LoadHostConfig(sources);
  if (!host_config.ok()) {
    err << "flowhost serve: " << host_config.status().message() << "\n";
    return kExitInvalid;
  }

  // Before any thread exists, so every thread inherits the mask and only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  runtime::RuntimeOptions options;
  options.config = *std::move(host_config);
  // Declared before the runtime and the service, so it outlives every call they make to it.
  std::unique_ptr<OfflineUpstream> upstream;
  if (offline) {
    absl::StatusOr<std::unique_ptr<OfflineUpstream>> started =
        OfflineUpstream::Start(sources.getenv);
    if (!started.ok()) {
      err << "flowhost serve: " << started.status().message() << "\n";
      return started.status().code() == absl::StatusCode::kNotFound ? kExitInvalid : kExitFailed;
    }
    upstream = *std::move(started);
    upstream->Apply(options.config);
    options.getenv = upstream->Environment(std::move(options.getenv));
  }
  absl::StatusOr<std::unique_ptr<runtime::Runtime>> runtime =
      runtime::Runtime::Create(std::move(options));
  if (!runtime.ok()) {
    // The configuration cannot be honoured (a plugin that does not load, an unreadable key file):
    // a configuration error like the ones above. INTERNAL is a bug.
    err << "flowhost serve: " << runtime.status().message() << "\n";
    return runtime.status().code() == absl::StatusCode::kInternal ? kExitFailed : kExitInvalid;
  }
  if (upstream != nullptr) {
    (*runtime)->logger().Log(
        sdk::LogLevel::kWarning,
        "offline: OpenRouter calls go to the bundled fake OpenRouter (canned answers, no key)",
        {{"base_url", upstream->base_url()},
         {"program", upstream->program()},
         {"pid", upstream->pid()}});
  }
  // The execution history (docs/executions.md), opened before serving; the host owns it and
  // shuts it down once drained, so that it commits what the last executions wrote.
  absl::StatusOr<store::ExecutionStorePtr> history =
      store::OpenConfiguredStore((*runtime)->config().store);
  if (!history.ok()) {
    err << "flowhost serve: the execution store: " << history.status().message() << "\n";
    absl::StatusCode code = history.status().code();
    return code == absl::StatusCode::kInvalidArgument ||
                   code == absl::StatusCode::kFailedPrecondition
               ? kExitInvalid
               : kExitFailed;
  }
  LogHistory((*runtime)->config().store, (*runtime)->logger());
  absl::StatusOr<std::unique_ptr<service::ServiceHost>> host = service::ServiceHost::Start(
      **runtime, config::ProcessEnvironment(), *std::move(history));
  if (!host.ok()) {
    err << "flowhost serve: " << host.status().message() << "\n";
    return kExitFailed;
  }
  out << "LISTENING " << (*host)->port() << std::endl;
  if ((*host)->http_port() != 0) out << "HTTP LISTENING " << (*host)->http_port() << std::endl;
  if ((*runtime)->worker_port() != 0) {
    // A Unix socket has no port: its address is printed instead.
    const std::string address = (*runtime)->worker_address();
    out << "WORKERS LISTENING "
        << (address.rfind("unix:", 0) == 0 ? address : std::to_string((*runtime)->worker_port()))
        << std::endl;
  }

  ServeUntilSignalled(**host, (*runtime)->logger(), signals);  // drains, closes the history
  host->reset();
  runtime->reset();
  return kExitOk;
}

}  // namespace flowhost::cli
