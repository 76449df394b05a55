// flowhost: runs YAML workflows whose nodes are plugins. See `flowhost help`.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/cli/commands.h"

namespace {

constexpr char kUsage[] = R"(usage: flowhost <command> [arguments]

commands:
  validate FILE...            check workflow files; prints FILE:LINE:COL diagnostics
                              (exit 0 valid, 2 invalid)
  run FILE [--input JSON|@FILE] [--offline] [--workflows DIR] [--config FILE] [--stream]
           [--record] [--timeout DURATION]
                              run a workflow in-process; output items as JSON on stdout,
                              progress on stderr (exit 0 success, 1 failed, 2 invalid);
                              --offline: against the bundled fake OpenRouter, no key needed
  nodes [--json]              list node types, where each comes from (built in or a plugin)
                              and their parameter schemas
  serve [--offline] [--listen ADDR] [--workflows DIR] [--config FILE]
        [--data-dir DIR | --store none]
                              serve the gRPC API until SIGTERM/SIGINT (--help: every setting);
                              executions are recorded under --data-dir unless --store none
  plugin check FILE           load a plugin library without serving; print its name, version,
                              ABI and node types (exit 0), or why it cannot load (exit 2)
  call WORKFLOW [--input JSON|@FILE] [--stream] [--target ADDR] [--timeout DURATION]
                              run a workflow on a running server; output items on stdout
  list [--target ADDR] [--json]
                              the workflows a running server has loaded, and their load state
  executions list|show ID|cancel ID [--json]
                              a running server's execution history (--help: filters)
  routes [--open] [--json]    a running server's route health: each router route's circuit
                              breaker (closed, open, half_open), its failures, when it reopens
  workers [--type TYPE] [--json]
                              a running server's remote workers: their node types, free
                              credits, items in flight and last heartbeat
  plan FILE [--catalogue FILE | --offline] [--json]
                              what a workflow could cost per item (expected and worst case)
                              from the model catalogue, without running it
  version                     print the version
  help [COMMAND]              print this text, or COMMAND's (as COMMAND --help does)

validate, run, nodes and serve load the node plugins named by --plugin PATH (repeatable), the
FLOWHOST_PLUGINS variable (colon-separated) or the configuration file's plugins: list
(docs/configuration.md).
)";

}  // namespace

int main(int argc, char** argv) {
#ifdef NDEBUG
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex acquisition also updates its
  // deadlock detector's global lock graph. With thousands of executions in flight that was 17 % of
  // the server's CPU (BENCHMARKS.md). A release build of flowhost turns it off, as a release build
  // of Abseil would; debug builds and the tests keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  if (argc < 2) {
    std::cerr << kUsage;
    return flowhost::cli::kExitInvalid;
  }
  std::string verb = argv[1];
  flowhost::cli::Args args(argv + 2, argv + argc);
  if ((verb == "help" || verb == "--help" || verb == "-h") && !args.empty()) {
    verb = args[0];  // `flowhost help run` is `flowhost run --help`
    args = {"--help"};
    if (verb == "plugin") args = {"help"};
  }
  if (verb == "validate") return flowhost::cli::ValidateCommand(args, std::cout, std::cerr);
  if (verb == "run") return flowhost::cli::RunCommand(args, std::cout, std::cerr);
  if (verb == "nodes") return flowhost::cli::NodesCommand(args, std::cout, std::cerr);
  if (verb == "serve") return flowhost::cli::ServeCommand(args, std::cout, std::cerr);
  if (verb == "call") return flowhost::cli::CallCommand(args, std::cout, std::cerr);
  if (verb == "list") return flowhost::cli::ListCommand(args, std::cout, std::cerr);
  if (verb == "executions") return flowhost::cli::ExecutionsCommand(args, std::cout, std::cerr);
  if (verb == "routes") return flowhost::cli::RoutesCommand(args, std::cout, std::cerr);
  if (verb == "workers") return flowhost::cli::WorkersCommand(args, std::cout, std::cerr);
  if (verb == "plan") return flowhost::cli::PlanCommand(args, std::cout, std::cerr);
  if (verb == "plugin") return flowhost::cli::PluginCommand(args, std::cout, std::cerr);
  if (verb == "version" || verb == "--version") {
    return flowhost::cli::VersionCommand(args, std::cout, std::cerr);
  }
  if (verb == "help" || verb == "--help" || verb == "-h") {
    std::cout << kUsage;
    return flowhost::cli::kExitOk;
  }
  std::cerr << "flowhost: unknown command '" << verb << "'\n" << kUsage;
  return flowhost::cli::kExitInvalid;
}
