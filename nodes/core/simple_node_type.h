// A NodeType made of a fixed description and a factory function. Every core node type is one: the
// description is built once at registration, and the factory checks a node's static parameters and
// builds the immutable Node shared by all executions of its workflow.
//
// Thread-safety: immutable after construction; info() and Create() may be called from any thread.
#ifndef FLOWHOST_NODES_CORE_SIMPLE_NODE_TYPE_H_
#define FLOWHOST_NODES_CORE_SIMPLE_NODE_TYPE_H_

#include <functional>
#include <memory>
#include <utility>

#include "flowhost/sdk/node.h"

namespace flowhost::nodes::core {

class SimpleNodeType : public sdk::NodeType {
 public:
  using Factory = std::function<std::unique_ptr<sdk::Node>(sdk::NodeConfig& config)>;

  SimpleNodeType(sdk::NodeTypeInfo info, Factory factory)
      : info_(std::move(info)), factory_(std::move(factory)) {}

  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override {
    return factory_(config);
  }

 private:
  const sdk::NodeTypeInfo info_;
  const Factory factory_;
};

}  // namespace flowhost::nodes::core

#endif  // FLOWHOST_NODES_CORE_SIMPLE_NODE_TYPE_H_
