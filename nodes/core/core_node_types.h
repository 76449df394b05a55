// The factories of the core node types, one per file (set_node.cc, if_node.cc, ...). Internal to
// the family: the host sees only RegisterCoreNodes (core_nodes.h).
#ifndef FLOWHOST_NODES_CORE_CORE_NODE_TYPES_H_
#define FLOWHOST_NODES_CORE_CORE_NODE_TYPES_H_

#include <memory>

#include "flowhost/sdk/node.h"

namespace flowhost::nodes::core {

std::shared_ptr<const sdk::NodeType> SetNodeType();
std::shared_ptr<const sdk::NodeType> IfNodeType();
std::shared_ptr<const sdk::NodeType> SwitchNodeType();
std::shared_ptr<const sdk::NodeType> MergeNodeType();
std::shared_ptr<const sdk::NodeType> FilterNodeType();
std::shared_ptr<const sdk::NodeType> SplitOutNodeType();
std::shared_ptr<const sdk::NodeType> AggregateNodeType();
std::shared_ptr<const sdk::NodeType> WaitNodeType();
std::shared_ptr<const sdk::NodeType> FailNodeType();
std::shared_ptr<const sdk::NodeType> NoopNodeType();
std::shared_ptr<const sdk::NodeType> ExecuteWorkflowNodeType();

}  // namespace flowhost::nodes::core

#endif  // FLOWHOST_NODES_CORE_CORE_NODE_TYPES_H_
