// Resolves a workflow's wiring: every node's `next` (connections from its outputs to other nodes'
// inputs), which nodes are attached to others through "x-node-ref" parameters, the `start` nodes
// and the workflow's `output`. Fills the compiled nodes' `targets`, `sources` and `attached`, and
// reports connections to missing nodes, outputs or inputs, self-loops, duplicates and misuse of
// attached and start nodes.
//
// Thread-safety: reentrant.
#ifndef FLOWHOST_SERVER_WORKFLOW_WIRING_H_
#define FLOWHOST_SERVER_WORKFLOW_WIRING_H_

#include <string>
#include <vector>

#include "server/workflow/node_compiler.h"
#include "server/workflow/reporter.h"
#include "server/workflow/workflow.h"
#include "server/workflow/workflow_draft.h"

namespace flowhost::workflow {

// A connection between two nodes. Ports are -1 when they could not be resolved (a node whose type
// is unknown); the graph checks still see the edge.
struct Edge {
  int from = -1;
  int output = -1;
  int to = -1;
  int input = -1;
  std::string pointer;  // the target as written in `next`
};

struct Wiring {
  std::vector<Edge> edges;                 // in file order
  std::vector<std::vector<int>> invokers;  // per node: the nodes naming it in "x-node-ref" params
  std::vector<int> start_nodes;
  std::vector<PortRef> output;
  std::vector<std::string> output_pointers;  // per output entry, where it was written
};

Wiring ConnectNodes(const WorkflowDraft& draft, const std::vector<NodeFacts>& facts,
                    std::vector<CompiledNode>& nodes, Reporter& reporter);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_WIRING_H_
