// The node behind `if` and `filter`: each input item goes to output 0 when its `condition`
// parameter, evaluated for that item, is true, and to output 1 otherwise, in input order. The two
// types differ only in how they name and describe those outputs.
//
// Thread-safety: immutable; Execute runs concurrently for many executions.
#ifndef FLOWHOST_NODES_CORE_CONDITION_SPLIT_NODE_H_
#define FLOWHOST_NODES_CORE_CONDITION_SPLIT_NODE_H_

#include "flowhost/sdk/node.h"

namespace flowhost::nodes::core {

class ConditionSplitNode : public sdk::Node {
 public:
  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override;
};

}  // namespace flowhost::nodes::core

#endif  // FLOWHOST_NODES_CORE_CONDITION_SPLIT_NODE_H_
