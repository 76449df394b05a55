#include <iostream>

#include "server/cli/commands.h"
#include "server/registry/builtin_nodes.h"
#include "server/workflow/loader.h"

namespace flowhost::cli {

int ValidateCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << "usage: flowhost validate FILE...\n";
    return kExitInvalid;
  }
  registry::NodeTypeRegistry registry;
  if (absl::Status status = registry::RegisterBuiltinNodes(registry); !status.ok()) {
    err << "flowhost: internal error registering node types: " << status.message() << "\n";
    return kExitFailed;
  }
  int invalid = 0;
  for (const std::string& path : args) {
    workflow::LoadResult result = workflow::LoadWorkflowFile(path, registry);
    if (!result.diagnostics.empty()) err << workflow::FormatDiagnostics(result.diagnostics);
    if (result.ok()) {
      out << path << ": ok (" << result.workflow->nodes.size() << " nodes)\n";
    } else {
      ++invalid;
    }
  }
  if (invalid > 0) {
    err << invalid << " of " << args.size() << " file(s) invalid\n";
    return kExitInvalid;
  }
  return kExitOk;
}

}  // namespace flowhost::cli
