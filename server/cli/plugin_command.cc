// flowhost plugin check FILE: loads a plugin library the way the server would, into a registry
// holding the built-in node types (so a clash with one shows), and says what it is or why it
// cannot be loaded. Nothing is served or run.
#include <iostream>

#include "flowhost/plugin_abi.h"
#include "server/cli/commands.h"
#include "server/plugins/plugin_loader.h"
#include "server/registry/builtin_nodes.h"

namespace flowhost::cli {
namespace {

constexpr char kPluginUsage[] =
    "usage: flowhost plugin check FILE\n"
    "  loads the plugin library FILE beside the built-in node types and prints its name, version,\n"
    "  ABI version and node types (exit 0), or why it cannot be loaded (exit 2)\n";

int CheckPlugin(const std::string& path, std::ostream& out, std::ostream& err) {
  registry::NodeTypeRegistry registry;
  if (absl::Status status = registry::RegisterBuiltinNodes(registry); !status.ok()) {
    err << "flowhost plugin check: internal error registering node types: " << status.message()
        << "\n";
    return kExitFailed;
  }
  absl::StatusOr<plugins::LoadedPlugin> plugin = plugins::LoadPlugin(path, registry);
  if (!plugin.ok()) {
    err << "flowhost plugin check: " << plugin.status().message() << "\n";
    return kExitInvalid;
  }
  out << path << ": ok\n"
      << "  plugin: " << plugin->name << " " << plugin->version << "\n"
      << "  ABI: " << plugin->abi_major << "." << plugin->abi_minor
      << " (this host: " << FLOWHOST_ABI_MAJOR << "." << FLOWHOST_ABI_MINOR << ")\n"
      << "  node types (" << plugin->node_types.size() << "):\n";
  for (const std::string& name : plugin->node_types) {
    const sdk::NodeTypeInfo& info = registry.Find(name)->info();
    out << "    " << name << " (v" << info.version << ")";
    if (!info.description.empty()) out << " - " << info.description;
    out << "\n";
  }
  return kExitOk;
}

}  // namespace

int PluginCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args) || (args.size() == 1 && args[0] == "help")) {
    out << kPluginUsage;
    return kExitOk;
  }
  if (args.size() != 2 || args[0] != "check") {
    err << kPluginUsage;
    return kExitInvalid;
  }
  return CheckPlugin(args[1], out, err);
}

}  // namespace flowhost::cli
