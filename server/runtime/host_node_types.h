// Every node type a host knows, registered in one place for every verb that needs them: the
// built-in families first, then the plugins the configuration names (`plugins:`, FLOWHOST_PLUGINS,
// --plugin), in order. `serve` and `run` get them through Runtime::Create; `validate` and `nodes`
// call this directly, so a workflow validates against exactly the types it would run with.
//
// Thread-safety: for start-up, from one thread (the registry is not yet shared).
#ifndef FLOWHOST_SERVER_RUNTIME_HOST_NODE_TYPES_H_
#define FLOWHOST_SERVER_RUNTIME_HOST_NODE_TYPES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "server/config/host_config.h"
#include "server/plugins/plugin_loader.h"
#include "nodes/router/route_health.h"
#include "server/registry/node_type_registry.h"

namespace flowhost::runtime {

// Registers the built-in node types and loads `config.plugins` into `registry`; returns what each
// plugin declared and registered. INTERNAL when a built-in type fails to register (a bug);
// otherwise the loader's error, which starts with the plugin's path (plugin_loader.h).
// `route_health` is the table router.fallback shares (a private one when null).
absl::StatusOr<std::vector<plugins::LoadedPlugin>> RegisterHostNodeTypes(
    const config::HostConfig& config, registry::NodeTypeRegistry& registry,
    std::shared_ptr<nodes::router::RouteHealthTable> route_health = nullptr);

}  // namespace flowhost::runtime

#endif  // FLOWHOST_SERVER_RUNTIME_HOST_NODE_TYPES_H_
