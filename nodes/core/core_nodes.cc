#include "nodes/core/core_nodes.h"

#include "nodes/core/core_node_types.h"

namespace flowhost::nodes::core {

absl::Status RegisterCoreNodes(sdk::NodeRegistry& registry) {
  for (auto& type : {SetNodeType(), IfNodeType(), SwitchNodeType(), MergeNodeType(),
                     FilterNodeType(), SplitOutNodeType(), AggregateNodeType(), WaitNodeType(),
                     FailNodeType(), NoopNodeType(), ExecuteWorkflowNodeType()}) {
    if (absl::Status status = registry.Register(type); !status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace flowhost::nodes::core
