// The in-process host of a verb that runs or prices workflows itself (`run`, `plan`): the runtime
// built from the verb's configuration and, with --offline, the bundled fake OpenRouter it talks to.
//
// Ownership: the caller owns the CliHost; `offline` is declared first so that it outlives every
// HTTP call the runtime makes to it. Thread-safety: for a verb's start, from its thread.
#ifndef FLOWHOST_SERVER_CLI_CLI_HOST_H_
#define FLOWHOST_SERVER_CLI_CLI_HOST_H_

#include <memory>
#include <ostream>
#include <string_view>

#include "server/cli/offline_upstream.h"
#include "server/config/host_config.h"
#include "server/runtime/runtime.h"

namespace flowhost::cli {

struct CliHost {
  std::unique_ptr<OfflineUpstream> offline;  // with --offline only
  std::unique_ptr<runtime::Runtime> runtime;
};

// Builds `host` for `verb` ("run", "plan") from `config` and `sources`, with the bundled fake
// OpenRouter when `offline` (said on `err` when `announce_offline`). kExitOk, or the exit code
// after writing "flowhost VERB: what went wrong" to `err`.
int StartCliHost(std::string_view verb, config::HostConfig config,
                 const config::ConfigSources& sources, bool offline, bool announce_offline,
                 std::ostream& err, CliHost& host);

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_CLI_HOST_H_
