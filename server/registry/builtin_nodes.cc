#include "server/registry/builtin_nodes.h"

#include "nodes/core/core_nodes.h"

namespace flowhost::registry {

absl::Status RegisterBuiltinNodes(NodeTypeRegistry& registry) {
  if (absl::Status status = nodes::core::RegisterCoreNodes(registry); !status.ok()) return status;
  return absl::OkStatus();
}

}  // namespace flowhost::registry
