// Stands in for plugin_init.cc (the C ABI adapters, being written on another branch) so that the
// loader builds and its tests run: the handshake is checked for real, and initialisation reports
// that it is not there yet. server/plugins/CMakeLists.txt compiles this file only while
// plugin_init.cc does not exist; delete it once plugin_init.cc has landed.
#include "absl/status/status.h"
#include "server/plugins/plugin_init.h"

namespace flowhost::plugins {

absl::Status InitPlugin(const fh_plugin_info&, const registry::NodeOrigin&,
                        registry::NodeTypeRegistry&) {
  return absl::UnimplementedError(
      "this build of flowhost cannot initialise plugins yet (plugin_init.cc is pending)");
}

}  // namespace flowhost::plugins
