// Loads node plugins: shared libraries that speak the C ABI of flowhost/plugin_abi.h. LoadPlugin
// opens one library (dlopen, RTLD_NOW | RTLD_LOCAL), finds its handshake, checks it
// (CheckHandshake) and has it register its node types (InitPlugin, plugin_init.h). Each error says
// what is wrong in words an operator can act on, and starts with the library's path as configured.
//
// Ownership: a library is never closed once its init has been called (its node types, code and
// static data live until exit, even when init failed after registering some types). A library
// refused before init is closed again.
//
// Thread-safety: for start-up, from one thread (the registry is not yet shared).
#ifndef FLOWHOST_SERVER_PLUGINS_PLUGIN_LOADER_H_
#define FLOWHOST_SERVER_PLUGINS_PLUGIN_LOADER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "flowhost/plugin_abi.h"
#include "server/registry/node_type_registry.h"

namespace flowhost::plugins {

// What a loaded plugin said about itself and what it registered.
struct LoadedPlugin {
  std::string path;  // as configured
  std::string name;  // from the handshake
  std::string version;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  std::vector<std::string> node_types;  // the types it registered, sorted
};

// Checks a handshake against this host before anything else of the plugin is called: its size,
// the ABI major (equal) and minor (not newer), the pointer size, the fingerprint, and that it has
// a name, a version and an init function. FAILED_PRECONDITION for a plugin built for another ABI or
// platform, INVALID_ARGUMENT for a malformed handshake. Messages do not name the file.
absl::Status CheckHandshake(const fh_plugin_info* info);

// Loads the plugin at `path` into `registry` (which should already hold the built-in types, so that
// a clash shows). NOT_FOUND when there is no such file; INVALID_ARGUMENT when it is not a flowhost
// plugin (not a shared library, or no flowhost_plugin_handshake); FAILED_PRECONDITION when it
// cannot be loaded (a missing dependency) or its handshake does not fit this host; otherwise
// InitPlugin's error (the plugin's own message, a duplicate node type naming both origins, a
// malformed schema). Every message starts with "PATH: ". A relative path is taken from the working
// directory; the dynamic linker's search path is never used.
absl::StatusOr<LoadedPlugin> LoadPlugin(const std::string& path,
                                        registry::NodeTypeRegistry& registry);

// Loads each plugin in order and stops at the first error. A file named twice (also under another
// spelling of its path) is refused rather than initialised twice.
absl::StatusOr<std::vector<LoadedPlugin>> LoadPlugins(const std::vector<std::string>& paths,
                                                      registry::NodeTypeRegistry& registry);

}  // namespace flowhost::plugins

#endif  // FLOWHOST_SERVER_PLUGINS_PLUGIN_LOADER_H_
