#include <iostream>

#include "flowhost/sdk/registry.h"
#include "server/cli/commands.h"

namespace flowhost::cli {

int VersionCommand(const Args& args, std::ostream& out, std::ostream& err) {
  out << "flowhost " << FLOWHOST_VERSION << " (node SDK ABI " << sdk::kSdkAbiVersion << ")\n";
  return kExitOk;
}

}  // namespace flowhost::cli
