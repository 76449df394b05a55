#include "server/cli/verb_config.h"

#include <optional>
#include <string>
#include <utility>

namespace flowhost::cli {

config::ConfigSources QuietCliSources() {
  config::ConfigSources sources;
  config::GetEnvFunction process_env = config::ProcessEnvironment();
  sources.getenv = [process_env](const std::string& name) -> std::optional<std::string> {
    std::optional<std::string> value = process_env(name);
    if (!value && name == "FLOWHOST_LOG_LEVEL") return "warning";
    return value;
  };
  return sources;
}

absl::StatusOr<VerbConfig> LoadVerbConfig(const Args& args) {
  config::ConfigSources sources;
  absl::StatusOr<std::vector<std::string>> rest = config::ExtractConfigFlags(args, sources);
  if (!rest.ok()) return rest.status();
  absl::StatusOr<config::HostConfig> host_config = config::LoadHostConfig(sources);
  if (!host_config.ok()) return host_config.status();
  return VerbConfig{*std::move(host_config), *std::move(rest)};
}

}  // namespace flowhost::cli
