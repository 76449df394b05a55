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

// Where a node type came from: built into the host (empty plugin_file), or a plugin library.
struct NodeOrigin {
  std::string plugin_file;     // the library's path as named in the configuration
  std::string plugin_name;     // as the plugin's handshake gives them
  std::string plugin_version;

  bool builtin() const { return plugin_file.empty(); }
  // "built in", or "plugin FILE (NAME VERSION)".
  std::string Describe() const;
};

class NodeTypeRegistry : public sdk::NodeRegistry {
 public:
  // Adds a built-in type (sdk::NodeRegistry's entry point for the families linked into the host).
  absl::Status Register(std::shared_ptr<const sdk::NodeType> type) override;
  // Adds a type from `origin`. ALREADY_EXISTS naming both origins when the name is taken;
  // INVALID_ARGUMENT for a bad name or a malformed parameter schema.
  absl::Status Register(std::shared_ptr<const sdk::NodeType> type, NodeOrigin origin);

  // Where the type called `type` came from, or nullptr when there is no such type.
  const NodeOrigin* OriginOf(std::string_view type) const;

  // The type called `type`, or nullptr.
  std::shared_ptr<const sdk::NodeType> Find(std::string_view type) const;

  // Every type, sorted by name.
  std::vector<std::shared_ptr<const sdk::NodeType>> List() const;

  // Registered type names that are close to `type` (edit distance), for "did you mean" hints.
  std::vector<std::string> Suggest(std::string_view type) const;

 private:
  struct Entry {
    std::shared_ptr<const sdk::NodeType> type;
    NodeOrigin origin;
  };
  std::map<std::string, Entry, std::less<>> types_;
};

}  // namespace flowhost::registry

#endif  // FLOWHOST_SERVER_REGISTRY_NODE_TYPE_REGISTRY_H_
