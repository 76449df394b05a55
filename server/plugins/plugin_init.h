// The host's side of a plugin's start: hands an initialised-to-be plugin the host's function table
// (plugin_abi.h) and registers the node types it declares, each wrapped as an sdk::NodeType whose
// nodes run through the C ABI (plugin_node_type.h). The loader (plugin_loader.h) finds the library,
// checks its handshake and then calls InitPlugin.
//
// Thread-safety: for start-up, from one thread (the registry is not yet shared).
#ifndef FLOWHOST_SERVER_PLUGINS_PLUGIN_INIT_H_
#define FLOWHOST_SERVER_PLUGINS_PLUGIN_INIT_H_

#include "absl/status/status.h"
#include "flowhost/plugin_abi.h"
#include "server/registry/node_type_registry.h"

namespace flowhost::plugins {

// The host's function table; lives until exit.
const fh_host_api& HostApi();

// Calls `info.init` (the handshake already checked) so that the plugin registers its node types into
// `registry` under `origin`. Fails with the plugin's own message (registrar_error) when init returns
// non-zero, or with the registry's error (a duplicate type naming both origins, a malformed schema
// or info) when a registration fails; the types registered before the failure stay registered.
// Messages do not name the file: the loader adds it.
absl::Status InitPlugin(const fh_plugin_info& info, const registry::NodeOrigin& origin,
                        registry::NodeTypeRegistry& registry);

}  // namespace flowhost::plugins

#endif  // FLOWHOST_SERVER_PLUGINS_PLUGIN_INIT_H_
