#include "server/workflow/workflow.h"

#include "flowhost/sdk/absl_compat.h"

namespace flowhost::workflow {

const CompiledNode* CompiledWorkflow::FindNode(std::string_view name) const {
  auto it = node_index.find(sdk::AsAbsl(name));
  return it == node_index.end() ? nullptr : &nodes[static_cast<size_t>(it->second)];
}

}  // namespace flowhost::workflow
