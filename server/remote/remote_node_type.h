// A node type served by remote workers, seen by the host as any other sdk::NodeType: declared in
// the configuration (its info and parameter schema from `remote.types`), so workflows validate at
// load whether or not a worker is connected. Its nodes' Execute evaluates the parameters per item,
// gathers the credentials the parameters name, and submits the run to the WorkerHub, which
// completes it when a worker answers (or is lost, or never comes). The executor needs no change:
// retries, timeouts and on_error apply as to a built-in node.
//
// Ownership: the type shares the hub. Thread-safety: as sdk::NodeType and sdk::Node.
#ifndef FLOWHOST_SERVER_REMOTE_REMOTE_NODE_TYPE_H_
#define FLOWHOST_SERVER_REMOTE_REMOTE_NODE_TYPE_H_

#include <memory>

#include "flowhost/sdk/node.h"
#include "server/remote/worker_hub.h"

namespace flowhost::remote {

class RemoteNodeType : public sdk::NodeType {
 public:
  RemoteNodeType(sdk::NodeTypeInfo info, std::shared_ptr<WorkerHub> hub)
      : info_(std::move(info)), hub_(std::move(hub)) {}

  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override;

 private:
  const sdk::NodeTypeInfo info_;
  const std::shared_ptr<WorkerHub> hub_;
};

}  // namespace flowhost::remote

#endif  // FLOWHOST_SERVER_REMOTE_REMOTE_NODE_TYPE_H_
