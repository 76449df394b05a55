#include "server/cli/cli_host.h"

#include <utility>

#include "server/cli/commands.h"

namespace flowhost::cli {

int StartCliHost(std::string_view verb, config::HostConfig config,
                 const config::ConfigSources& sources, bool offline, bool announce_offline,
                 std::ostream& err, CliHost& host) {
  runtime::RuntimeOptions options;
  options.config = std::move(config);
  options.getenv = sources.getenv;
  options.missing_secret_advice = config::MissingSecretAdvice::kRunAgain;
  if (offline) {
    absl::StatusOr<std::unique_ptr<OfflineUpstream>> started =
        OfflineUpstream::Start(sources.getenv);
    if (!started.ok()) {
      err << "flowhost " << verb << ": " << started.status().message() << "\n";
      return started.status().code() == absl::StatusCode::kNotFound ? kExitInvalid : kExitFailed;
    }
    host.offline = *std::move(started);
    host.offline->Apply(options.config);
    options.getenv = host.offline->Environment(std::move(options.getenv));
    if (announce_offline) {
      err << "flowhost: offline: OpenRouter calls go to the bundled fake OpenRouter at "
          << host.offline->base_url() << " (canned answers, no key needed)\n";
    }
  }
  absl::StatusOr<std::unique_ptr<runtime::Runtime>> runtime =
      runtime::Runtime::Create(std::move(options));
  if (!runtime.ok()) {
    err << "flowhost " << verb << ": " << runtime.status().message() << "\n";
    return kExitInvalid;
  }
  host.runtime = *std::move(runtime);
  return kExitOk;
}

}  // namespace flowhost::cli
