#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "server/cli/commands.h"
#include "server/cli/verb_config.h"
#include "server/runtime/host_node_types.h"
#include "server/workflow/loader.h"
#include "server/workflow/sub_workflow_checks.h"

namespace flowhost::cli {

namespace {

constexpr char kValidateUsage[] =
    "usage: flowhost validate FILE... [--workflows DIR] [--plugin PATH]... [--config FILE]\n"
    "  --workflows DIR  also validate every *.yaml / *.yml in DIR, and check the execute_workflow\n"
    "                   calls of all the files against each other (target names, inputs)\n";

// The workflow files of `dir`, sorted; false (reported) when it cannot be listed.
bool ListWorkflowFiles(const std::string& dir, std::vector<std::string>& files,
                       std::ostream& err) {
  std::error_code error;
  std::vector<std::string> found;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    std::string extension = it->path().extension().string();
    if (extension == ".yaml" || extension == ".yml") found.push_back(it->path().string());
  }
  if (error) {
    err << "flowhost validate: --workflows " << dir << ": " << error.message() << "\n";
    return false;
  }
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
  return true;
}

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
  std::vector<std::string> files = verb->rest;
  // --workflows is the host's workflows_dir setting (parsed with the other configuration flags);
  // validate checks that directory as a set only when the flag is given.
  const bool as_set = std::any_of(args.begin(), args.end(), [](const std::string& arg) {
    return arg == "--workflows" || arg.rfind("--workflows=", 0) == 0;
  });
  if (as_set && !ListWorkflowFiles(verb->config.workflows_dir, files, err)) return kExitInvalid;
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
  std::vector<workflow::LoadResult> results;
  workflow::WorkflowSet set;
  std::map<std::string, workflow::WorkflowPtr, std::less<>> by_name;
  for (const std::string& path : files) {
    results.push_back(workflow::LoadWorkflowFile(path, registry));
    const workflow::WorkflowPtr& loaded = results.back().workflow;
    if (loaded == nullptr) continue;
    auto [it, inserted] = by_name.emplace(loaded->name, loaded);
    if (inserted) {
      set.names.push_back(loaded->name);
    } else if (as_set) {
      results.back().diagnostics.push_back(
          {workflow::Diagnostic::Severity::kError,
           {path, 0, 0},
           "",
           "workflow name '" + loaded->name + "' is already defined by " +
               it->second->source_path});
      results.back().workflow = nullptr;
    }
  }
  set.find = [&by_name](std::string_view name) -> workflow::WorkflowPtr {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
  };
  int invalid = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    workflow::LoadResult& result = results[i];
    if (as_set && result.workflow != nullptr) {
      std::vector<workflow::Diagnostic> calls =
          workflow::CheckSubWorkflowCalls(*result.workflow, set);
      if (workflow::HasErrors(calls)) result.workflow = nullptr;
      result.diagnostics.insert(result.diagnostics.end(), calls.begin(), calls.end());
      workflow::SortDiagnostics(result.diagnostics);
    }
    if (!result.diagnostics.empty()) err << workflow::FormatDiagnostics(result.diagnostics);
    if (result.ok()) {
      out << files[i] << ": ok (" << result.workflow->nodes.size() << " nodes)\n";
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
