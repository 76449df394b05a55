// The first checks on a parsed workflow file: its shape. Known top-level keys, the workflow's name,
// description, inputs and vars, and for each node its name (unique), type, params and settings.
// Reads what it can into a WorkflowDraft and reports everything else.
//
// Thread-safety: reentrant.
#ifndef FLOWHOST_SERVER_WORKFLOW_DOCUMENT_CHECKS_H_
#define FLOWHOST_SERVER_WORKFLOW_DOCUMENT_CHECKS_H_

#include <cstddef>

#include "server/workflow/reporter.h"
#include "server/workflow/workflow_draft.h"
#include "server/workflow/yaml_document.h"

namespace flowhost::workflow {

WorkflowDraft CheckDocument(const YamlDocument& document, size_t max_nodes, Reporter& reporter);

// The `inputs` declarations at `pointer` ("/inputs"), in file order.
void CheckInputs(const YamlDocument& document, const sdk::Json& inputs, Reporter& reporter,
                 WorkflowDraft& draft);

// A node's retry, timeout, on_error and disabled settings (`node` is the node's mapping).
NodeSettings CheckNodeSettings(const sdk::Json& node, std::string_view pointer, Reporter& reporter);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_DOCUMENT_CHECKS_H_
