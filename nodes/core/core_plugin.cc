// The core family as a plugin library (libflowhost_core_plugin.so): the same sources as the built-in
// family, with the plugin entry point of flowhost/plugin/plugin.h. It proves that a family built on
// the SDK alone needs no change to ship as a plugin; the core node tests run against it too
// (tests/nodes/core, core_nodes_via_plugin_test).
#include "flowhost/plugin/plugin.h"
#include "nodes/core/core_nodes.h"

FLOWHOST_PLUGIN("core", "1.0.0", registry) {
  return flowhost::nodes::core::RegisterCoreNodes(registry);
}
