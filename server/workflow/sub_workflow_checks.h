// Checks the `execute_workflow` calls among a set of workflows loaded together (the files of one
// workflows directory): a call whose `workflow` is written out must name a workflow of the set
// (did-you-mean otherwise), and its `inputs` must fit what that workflow declares: no undeclared
// input, every required one given, and each value written out (or a text template, which makes a
// string) of the declared type. Values computed by a whole expression are checked when they run.
//
// The loader checks one file; this runs once the whole set is loaded (`flowhost validate
// --workflows DIR`). Diagnostics point into the caller's file, at the parameter.
//
// Thread-safety: reentrant; the workflows are immutable.
#ifndef FLOWHOST_SERVER_WORKFLOW_SUB_WORKFLOW_CHECKS_H_
#define FLOWHOST_SERVER_WORKFLOW_SUB_WORKFLOW_CHECKS_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/workflow/diagnostic.h"
#include "server/workflow/workflow.h"

namespace flowhost::workflow {

// The workflows of the set, by name: nullptr for a name the set does not hold. `names` lists them
// all, for did-you-mean hints.
struct WorkflowSet {
  std::function<WorkflowPtr(std::string_view name)> find;
  std::vector<std::string> names;
};

// Errors for every execute_workflow node of `caller` that names a missing workflow or passes inputs
// its target does not accept, sorted by line and column.
std::vector<Diagnostic> CheckSubWorkflowCalls(const CompiledWorkflow& caller,
                                              const WorkflowSet& set);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_SUB_WORKFLOW_CHECKS_H_
