// The host configuration of a verb that needs the node types but serves nothing (`validate`,
// `nodes`): read exactly as `serve` reads it (--config FILE or FLOWHOST_CONFIG, the FLOWHOST_*
// variables, the --SETTING flags such as --plugin), so these verbs see the same plugins, and so
// the same node types, as the server would.
//
// Thread-safety: for a verb's start, from its thread.
#ifndef FLOWHOST_SERVER_CLI_VERB_CONFIG_H_
#define FLOWHOST_SERVER_CLI_VERB_CONFIG_H_

#include "absl/status/statusor.h"
#include "server/cli/commands.h"
#include "server/config/host_config.h"

namespace flowhost::cli {

struct VerbConfig {
  config::HostConfig config;
  Args rest;  // the arguments that are not configuration flags, in order
};

// The configuration sources of a verb that runs workflows in the CLI's own process (`run`, `plan`):
// the process environment, except that the log level defaults to "warning" (the CLI is quieter
// than the service unless configured otherwise).
config::ConfigSources QuietCliSources();

// Takes the configuration flags out of `args` and loads the configuration. INVALID_ARGUMENT (or
// NOT_FOUND for a missing file) with LoadHostConfig's message.
absl::StatusOr<VerbConfig> LoadVerbConfig(const Args& args);

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_VERB_CONFIG_H_
