#include "server/cli/verb_config.h"

#include <utility>

namespace flowhost::cli {

absl::StatusOr<VerbConfig> LoadVerbConfig(const Args& args) {
  config::ConfigSources sources;
  absl::StatusOr<std::vector<std::string>> rest = config::ExtractConfigFlags(args, sources);
  if (!rest.ok()) return rest.status();
  absl::StatusOr<config::HostConfig> host_config = config::LoadHostConfig(sources);
  if (!host_config.ok()) return host_config.status();
  return VerbConfig{*std::move(host_config), *std::move(rest)};
}

}  // namespace flowhost::cli
