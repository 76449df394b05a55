// How node types reach the host. The host calls one registration function per node family (built-in
// ones from server/registry/builtin_nodes.cc; a plugin library's from its FLOWHOST_PLUGIN entry point,
// flowhost/plugin/plugin.h), and each family registers its types here. There is no static
// self-registration: the list is explicit.
//
// Thread-safety: registration happens at start-up, from one thread.
#ifndef FLOWHOST_SDK_REGISTRY_H_
#define FLOWHOST_SDK_REGISTRY_H_

#include <memory>

#include "absl/status/status.h"
#include "flowhost/sdk/node.h"

namespace flowhost::sdk {

class NodeRegistry {
 public:
  virtual ~NodeRegistry() = default;
  // Adds a node type. ALREADY_EXISTS if its type name is taken; INVALID_ARGUMENT if its info is bad
  // (empty name, malformed schema).
  virtual absl::Status Register(std::shared_ptr<const NodeType> type) = 0;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_REGISTRY_H_
