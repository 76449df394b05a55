// Follows the shape of items through a workflow and warns about expressions that read a field no
// upstream node can produce: `$json.text` after a node whose items hold `content` would be null at
// run time, silently. Each node's items are described by its output schema (flowhost/sdk/
// output_schema.h): exact (only these fields), open (any field) or pass-through (its input's fields
// plus some). The checks are warnings, and only fire when the field is certain to be missing: any
// open shape upstream, a start node (its item is the execution's inputs) or a node invoked by
// another (a router's node route) can produce any field.
//
// What is checked (Reference::Kind::kField): `$json.f`, `$input.item.f`, `$input.first().f` against
// the items on the node's input 0; `$("N").item.json.f` (and .first(), .last()) against N's output
// 0; "x-field-path" parameters (split_out's `field`) like `$json.f`. Parameters a node evaluates
// with its own `$json` ("x-deferred", a router's `accept`) are skipped.
//
// Thread-safety: reentrant.
#ifndef FLOWHOST_SERVER_WORKFLOW_FIELD_CHECKS_H_
#define FLOWHOST_SERVER_WORKFLOW_FIELD_CHECKS_H_

#include <vector>

#include "server/workflow/graph_checks.h"
#include "server/workflow/node_compiler.h"
#include "server/workflow/reporter.h"
#include "server/workflow/wiring.h"
#include "server/workflow/workflow.h"
#include "server/workflow/workflow_draft.h"

namespace flowhost::workflow {

// Needs an acyclic graph (graph.topological_order); does nothing otherwise.
void CheckFieldReads(const WorkflowDraft& draft, const std::vector<CompiledNode>& nodes,
                     const std::vector<NodeFacts>& facts, const Wiring& wiring,
                     const GraphFacts& graph, Reporter& reporter);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_FIELD_CHECKS_H_
