// Turns workflow YAML into a CompiledWorkflow, reporting every problem in the file at once.
//
// Checks, in the order a reader would expect: YAML syntax; the document's shape (known keys,
// types); inputs; each node (unique name, known type, parameters against the type's schema,
// settings); the type's own checks (NodeType::Create); connections (to existing nodes and ports);
// cycles; expressions (syntax, with the column inside the expression; references to undeclared
// inputs and to nodes that are not upstream); limits. Warnings (unreachable node, unused input) do
// not fail the load.
//
// Thread-safety: LoadWorkflow is reentrant; the registry must not change while it runs.
#ifndef FLOWHOST_SERVER_WORKFLOW_LOADER_H_
#define FLOWHOST_SERVER_WORKFLOW_LOADER_H_

#include <string>
#include <string_view>
#include <vector>

#include "server/expr/expression.h"
#include "server/registry/node_type_registry.h"
#include "server/workflow/diagnostic.h"
#include "server/workflow/workflow.h"
#include "server/workflow/yaml_reader.h"

namespace flowhost::workflow {

// Bounds on what a workflow file may hold; crossing one is an error diagnostic.
struct LoadLimits {
  size_t max_nodes = 500;
  size_t max_file_bytes = 4 * 1024 * 1024;
  // The YAML document: nesting (64 levels), values aliases add (100 000), and the bytes of text
  // once aliases are expanded (4 MiB), checked before anything is built.
  YamlLimits yaml;
  expr::ExpressionLimits expressions;  // per expression: source size, nesting depth
};

// What a load gives: the compiled workflow, or nothing when any diagnostic is an error.
struct LoadResult {
  WorkflowPtr workflow;                 // null when there is any error
  std::vector<Diagnostic> diagnostics;  // errors and warnings, sorted by line and column
  bool ok() const { return workflow != nullptr; }
};

// `file` names the source in diagnostics (a path, or "<inline>"). A leading UTF-8 byte order mark
// is skipped. At most 200 diagnostics are kept; a final warning counts the rest.
LoadResult LoadWorkflow(std::string_view file, std::string_view yaml,
                        const registry::NodeTypeRegistry& registry, const LoadLimits& limits = {});

// Reads and loads a file; an unreadable file is one diagnostic.
LoadResult LoadWorkflowFile(const std::string& path, const registry::NodeTypeRegistry& registry,
                            const LoadLimits& limits = {});

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_LOADER_H_
