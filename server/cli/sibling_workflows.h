// Where `flowhost run` finds the workflows an execute_workflow node names: files called NAME.yaml (or
// NAME.yml) in one directory, loaded on first use and kept. A file that does not load is reported on
// stderr once and treated as missing.
//
// Thread-safety: Find may be called from any thread.
#ifndef FLOWHOST_SERVER_CLI_SIBLING_WORKFLOWS_H_
#define FLOWHOST_SERVER_CLI_SIBLING_WORKFLOWS_H_

#include <map>
#include <ostream>
#include <string>

#include "absl/synchronization/mutex.h"
#include "server/executor/executor.h"
#include "server/registry/node_type_registry.h"
#include "server/workflow/loader.h"
#include "server/workflow/sub_workflow_checks.h"

namespace flowhost::cli {

class SiblingWorkflows : public executor::WorkflowResolver {
 public:
  SiblingWorkflows(std::string directory, const registry::NodeTypeRegistry& registry,
                   workflow::LoadLimits limits, std::ostream& err)
      : directory_(std::move(directory)), registry_(registry), limits_(limits), err_(err) {}

  workflow::WorkflowPtr Find(std::string_view name) const override;

  // Makes `workflow` findable under its own name without reading a file (the workflow being run).
  void Add(workflow::WorkflowPtr workflow);

  // The directory as a set for CheckSubWorkflowCalls: found through Find, named (for did-you-mean)
  // by the stems of its workflow files and the workflows added. The set refers to this object.
  workflow::WorkflowSet AsSet() const;

 private:
  const std::string directory_;
  const registry::NodeTypeRegistry& registry_;
  const workflow::LoadLimits limits_;
  std::ostream& err_;
  mutable absl::Mutex mu_;
  mutable std::map<std::string, workflow::WorkflowPtr, std::less<>> loaded_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_SIBLING_WORKFLOWS_H_
