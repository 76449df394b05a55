// Checks what the expressions in node parameters read: `$("Node")` must name a node upstream of the
// one reading it, `$inputs.x` a declared input, `$vars.x` a declared variable (`$env.X` is checked
// against the host's allowlist at run time, not here). Also warns about declared inputs that no
// expression reads.
//
// Thread-safety: reentrant.
#ifndef FLOWHOST_SERVER_WORKFLOW_EXPRESSION_CHECKS_H_
#define FLOWHOST_SERVER_WORKFLOW_EXPRESSION_CHECKS_H_

#include <vector>

#include "server/workflow/graph_checks.h"
#include "server/workflow/node_compiler.h"
#include "server/workflow/reporter.h"
#include "server/workflow/wiring.h"
#include "server/workflow/workflow_draft.h"

namespace flowhost::workflow {

void CheckExpressions(const WorkflowDraft& draft, const std::vector<NodeFacts>& facts,
                      const Wiring& wiring, const GraphFacts& graph, Reporter& reporter);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_EXPRESSION_CHECKS_H_
