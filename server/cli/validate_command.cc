#include <iostream>

#include "server/cli/commands.h"
#include "server/cli/verb_config.h"
#include "server/runtime/host_node_types.h"
#include "server/workflow/loader.h"

namespace flowhost::cli {

namespace {

constexpr char kValidateUsage[] =
    "usage: flowhost validate FILE... [--plugin PATH]... [--config FILE]\n";

constexpr char kValidateHelp[] =
    "\n"
    "Checks workflow files without running them: YAML, node types and parameters, wiring,\n"
    "expressions. Prints every problem as FILE:LINE:COL: error|warning: message on stderr and\n"
    "'FILE: ok (N nodes)' on stdout for each file that loads.\n"
    "\n"
    "  --plugin PATH, --config FILE\n"
    "                      load the same node plugins as the server would (docs/configuration.md)\n"
    "\n"
    "Exit codes: 0 every file is valid (warnings allowed), 2 a file is invalid.\n";

}  // namespace

int ValidateCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kValidateUsage << kValidateHelp;
    return kExitOk;
  }
  absl::StatusOr<VerbConfig> verb = LoadVerbConfig(args);
  if (!verb.ok()) {
    err << "flowhost validate: configuration: " << verb.status().message() << "\n";
    return kExitInvalid;
  }
  const Args& files = verb->rest;
  if (files.empty()) {
    err << kValidateUsage;
    return kExitInvalid;
  }
  registry::NodeTypeRegistry registry;
  auto plugins = runtime::RegisterHostNodeTypes(verb->config, registry);
  if (!plugins.ok()) {
    err << "flowhost validate: " << plugins.status().message() << "\n";
    return plugins.status().code() == absl::StatusCode::kInternal ? kExitFailed : kExitInvalid;
  }
  int invalid = 0;
  for (const std::string& path : files) {
    workflow::LoadResult result = workflow::LoadWorkflowFile(path, registry);
    if (!result.diagnostics.empty()) err << workflow::FormatDiagnostics(result.diagnostics);
    if (result.ok()) {
      out << path << ": ok (" << result.workflow->nodes.size() << " nodes)\n";
    } else {
      ++invalid;
    }
  }
  if (invalid > 0) {
    err << invalid << " of " << files.size() << " file(s) invalid\n";
    return kExitInvalid;
  }
  return kExitOk;
}

}  // namespace flowhost::cli
