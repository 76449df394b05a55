// How node types reach the host. The host calls one registration function per node family (built-in
// ones from server/registry/builtin_nodes.cc; a plugin library exports FLOWHOST_PLUGIN_ENTRY), and each
// family registers its types here. There is no static self-registration: the list is explicit.
//
// Thread-safety: registration happens at start-up, from one thread.
#ifndef FLOWHOST_SDK_REGISTRY_H_
#define FLOWHOST_SDK_REGISTRY_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "flowhost/sdk/node.h"

namespace flowhost::sdk {

// Bumped whenever a change to the SDK headers breaks binary compatibility with built plugins.
inline constexpr uint32_t kSdkAbiVersion = 1;

class NodeRegistry {
 public:
  virtual ~NodeRegistry() = default;
  // Adds a node type. ALREADY_EXISTS if its type name is taken; INVALID_ARGUMENT if its info is bad
  // (empty name, malformed schema).
  virtual absl::Status Register(std::shared_ptr<const NodeType> type) = 0;
};

}  // namespace flowhost::sdk

// A plugin shared library defines its entry point with this macro:
//   FLOWHOST_PLUGIN_ENTRY(registry) { return registry.Register(...); }
// The host checks the ABI version before calling it.
#define FLOWHOST_PLUGIN_ENTRY(registry_var)                                                   \
  extern "C" uint32_t flowhost_plugin_abi_version() { return ::flowhost::sdk::kSdkAbiVersion; } \
  static ::absl::Status FlowhostPluginRegister(::flowhost::sdk::NodeRegistry& registry_var);  \
  extern "C" int flowhost_plugin_register(::flowhost::sdk::NodeRegistry* registry) {          \
    return FlowhostPluginRegister(*registry).ok() ? 0 : 1;                                      \
  }                                                                                           \
  static ::absl::Status FlowhostPluginRegister(::flowhost::sdk::NodeRegistry& registry_var)

#endif  // FLOWHOST_SDK_REGISTRY_H_
