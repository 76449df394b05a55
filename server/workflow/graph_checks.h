// Checks on the workflow as a graph once it is wired: cycles (each named, "a -> b -> a"), the
// topological order the executor runs nodes in, which nodes are upstream of which (for `$("Node")`
// references), which nodes can run at all, and the warnings that follow (unreachable nodes, an
// output that can never be produced).
//
// Thread-safety: reentrant.
#ifndef FLOWHOST_SERVER_WORKFLOW_GRAPH_CHECKS_H_
#define FLOWHOST_SERVER_WORKFLOW_GRAPH_CHECKS_H_

#include <vector>

#include "server/workflow/reporter.h"
#include "server/workflow/wiring.h"
#include "server/workflow/workflow.h"
#include "server/workflow/workflow_draft.h"

namespace flowhost::workflow {

struct GraphFacts {
  bool acyclic = true;
  std::vector<int> topological_order;  // of the non-attached nodes, file order among equals
  // upstream[v][u]: u has finished (or been skipped) whenever v runs, so v may read u's output. An
  // attached node sees what the nodes invoking it see.
  std::vector<std::vector<bool>> upstream;
  std::vector<bool> can_run;  // reachable from a start node (attached: from a node that can run)
};

GraphFacts CheckGraph(const WorkflowDraft& draft, const std::vector<CompiledNode>& nodes,
                      const Wiring& wiring, Reporter& reporter);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_GRAPH_CHECKS_H_
