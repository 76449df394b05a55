#include "server/cli/commands.h"

namespace flowhost::cli {

bool WantsHelp(const Args& args) {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") return true;
  }
  return false;
}

}  // namespace flowhost::cli
