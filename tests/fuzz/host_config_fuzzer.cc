// Fuzz target: the host configuration file (server/config/host_config.h). The input is the YAML
// file's text, given to LoadHostConfig in place (ConfigSources::file_text) with an empty
// environment and no flags, as `flowhost serve --config FILE` reads it.
//
// Invariants beyond "no crash, no leak, no undefined behaviour": a configuration is either loaded
// and consistent (a HOST:PORT to listen on, a workflows directory, a key source) or refused with
// one INVALID_ARGUMENT listing every problem, in valid UTF-8 whatever the file's bytes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "flowhost/sdk/absl_compat.h"
#include "server/config/host_config.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowhost;
  config::ConfigSources sources;
  sources.file = "fuzz.yaml";
  sources.file_text = std::string(reinterpret_cast<const char*>(data), size);
  sources.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };

  absl::StatusOr<config::HostConfig> loaded = config::LoadHostConfig(sources);
  if (!loaded.ok()) {
    FUZZ_CHECK(loaded.status().code() == absl::StatusCode::kInvalidArgument, loaded.status());
    std::string_view message = sdk::AsStd(loaded.status().message());
    FUZZ_CHECK(message.rfind("invalid configuration:\n", 0) == 0, message);
    FUZZ_CHECK(message.size() > std::string_view("invalid configuration:\n").size(), message);
    FUZZ_CHECK(fuzz::IsValidUtf8(message), message);
    return 0;
  }
  FUZZ_CHECK(loaded->listen.find(':') != std::string::npos, loaded->listen);
  FUZZ_CHECK(!loaded->workflows_dir.empty(), "no workflows directory");
  for (const auto& [name, credential] : loaded->credentials) {
    FUZZ_CHECK(!credential.from_env.empty() || !credential.from_file.empty(), name);
  }
  FUZZ_CHECK(loaded->limits.max_executions_in_flight >= 1, loaded->limits.max_executions_in_flight);
  return 0;
}
