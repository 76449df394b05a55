// Compiles one node of a workflow: looks up its type, fills in schema defaults, compiles every
// expression in its parameters, checks the parameters against the type's schema (leaving values
// computed at run time to run time), resolves "x-node-ref" parameters to other nodes, lets the type
// check and build the node (NodeType::Create, whose NodeConfig::Error calls become located
// diagnostics), and works out its ports.
//
// Thread-safety: reentrant; the registry must not change while it runs.
#ifndef FLOWHOST_SERVER_WORKFLOW_NODE_COMPILER_H_
#define FLOWHOST_SERVER_WORKFLOW_NODE_COMPILER_H_

#include <string>
#include <vector>

#include "server/expr/expression.h"
#include "server/expr/template.h"
#include "server/registry/node_type_registry.h"
#include "server/workflow/reporter.h"
#include "server/workflow/workflow.h"
#include "server/workflow/workflow_draft.h"

namespace flowhost::workflow {

// What later stages need to know about a compiled node beyond the CompiledNode itself.
struct NodeFacts {
  std::string params_pointer;  // "/nodes/3/params"
  bool ports_known = false;    // false when the type is unknown or Create failed
  struct NodeRef {
    std::string pointer;  // of the parameter, in the document
    std::string param;    // its path inside params, for messages ("fallback")
    int target = -1;      // the node it names
  };
  std::vector<NodeRef> node_refs;
  // Every name the node's expressions read (also when one of its expressions failed to compile),
  // and a kField reference (offset 0) for each "x-field-path" parameter written as a plain path.
  std::vector<expr::LocatedReference> references;
  // Parameters the node evaluates itself with its own `$json` ("x-deferred"): what they read is
  // not the node's input, so field checks skip them. Pointers into the params.
  std::vector<std::string> deferred;
  // The shape of the node's output items (NodeTypeInfo::output_schema, or Node::output_schema());
  // open when the node could not be built.
  sdk::Json output_schema = sdk::Json{{"type", "object"}};
};

// Fills `out` (everything but the wiring tables and `attached`) and `facts` for node `index`.
void CompileNode(const WorkflowDraft& workflow, int index,
                 const registry::NodeTypeRegistry& registry, const expr::ExpressionLimits& limits,
                 Reporter& reporter, CompiledNode& out, NodeFacts& facts);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_NODE_COMPILER_H_
