#include <iostream>

#include "flowhost/plugin_abi.h"
#include "server/cli/commands.h"

namespace flowhost::cli {

int VersionCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << "usage: flowhost version\n\nPrints flowhost's version and the plugin ABI it speaks.\n";
    return kExitOk;
  }
  out << "flowhost " << FLOWHOST_VERSION << " (plugin ABI " << FLOWHOST_ABI_MAJOR << "."
      << FLOWHOST_ABI_MINOR << ")\n";
  return kExitOk;
}

}  // namespace flowhost::cli
