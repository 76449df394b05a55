// The host's table of node types, filled at start-up (built-in families first, then plugins) and read-only
// afterwards. Workflows are validated and compiled against it; `flowhost nodes` and ListNodeTypes list it.
//
// Thread-safety: Register is for start-up, from one thread. After that, Find and List may be called from
// any thread concurrently.
#ifndef FLOWHOST_SERVER_REGISTRY_NODE_TYPE_REGISTRY_H_
#define FLOWHOST_SERVER_REGISTRY_NODE_TYPE_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/registry.h"

namespace flowhost::registry {

class NodeTypeRegistry : public sdk::NodeRegistry {
 public:
  absl::Status Register(std::shared_ptr<const sdk::NodeType> type) override;

  // The type called `type`, or nullptr.
  std::shared_ptr<const sdk::NodeType> Find(std::string_view type) const;

  // Every type, sorted by name.
  std::vector<std::shared_ptr<const sdk::NodeType>> List() const;

  // Registered type names that are close to `type` (edit distance), for "did you mean" hints.
  std::vector<std::string> Suggest(std::string_view type) const;

 private:
  std::map<std::string, std::shared_ptr<const sdk::NodeType>, std::less<>> types_;
};

}  // namespace flowhost::registry

#endif  // FLOWHOST_SERVER_REGISTRY_NODE_TYPE_REGISTRY_H_
