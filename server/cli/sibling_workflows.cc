#include "server/cli/sibling_workflows.h"

#include <filesystem>
#include <set>

namespace flowhost::cli {
namespace {

bool IsPlainName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;  // no path separators, no "..": a name, not a path
  }
  return true;
}

}  // namespace

workflow::WorkflowPtr SiblingWorkflows::Find(std::string_view name) const {
  absl::MutexLock lock(&mu_);
  if (auto it = loaded_.find(name); it != loaded_.end()) return it->second;
  workflow::WorkflowPtr found;
  if (IsPlainName(name)) {
    for (const char* extension : {".yaml", ".yml"}) {
      std::filesystem::path path =
          std::filesystem::path(directory_) / (std::string(name) + extension);
      std::error_code error;
      if (!std::filesystem::exists(path, error)) continue;
      workflow::LoadResult result = workflow::LoadWorkflowFile(path.string(), registry_, limits_);
      if (!result.ok()) {
        err_ << workflow::FormatDiagnostics(result.diagnostics);
      } else if (result.workflow->name != name) {
        err_ << path.string() << ": declares name '" << result.workflow->name
             << "', not '" << name << "'; not used for execute_workflow\n";
      } else {
        found = result.workflow;
      }
      break;
    }
  }
  loaded_.emplace(std::string(name), found);
  return found;
}

workflow::WorkflowSet SiblingWorkflows::AsSet() const {
  workflow::WorkflowSet set;
  std::set<std::string> names;
  std::error_code error;
  for (std::filesystem::directory_iterator it(directory_, error), end; !error && it != end;
       it.increment(error)) {
    std::string extension = it->path().extension().string();
    if (extension == ".yaml" || extension == ".yml") names.insert(it->path().stem().string());
  }
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, workflow] : loaded_) {
      if (workflow != nullptr) names.insert(name);
    }
  }
  set.names.assign(names.begin(), names.end());
  set.find = [this](std::string_view name) { return Find(name); };
  return set;
}

void SiblingWorkflows::Add(workflow::WorkflowPtr workflow) {
  absl::MutexLock lock(&mu_);
  loaded_[workflow->name] = std::move(workflow);
}

}  // namespace flowhost::cli
