#include "server/cli/server_client.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/duration.h"
#include "flowhost/sdk/error.h"
#include "server/cli/commands.h"
#include "server/cli/progress_renderer.h"
#include "server/service/status_mapping.h"

namespace flowhost::cli {
namespace {

// " --target ADDR" when the target is not the default, for commands quoted in hints.
std::string TargetSuffix(const ServerClientFlags& flags) {
  return flags.target == kDefaultTarget ? "" : " --target " + flags.target;
}

}  // namespace

ServerClientFlags DefaultServerClientFlags() {
  ServerClientFlags flags;
  if (const char* token = std::getenv("FLOWHOST_TOKEN")) flags.token = token;
  return flags;
}

absl::StatusOr<bool> TakeServerClientFlag(const std::vector<std::string>& args, size_t& i,
                                          ServerClientFlags& flags) {
  const std::string& arg = args[i];
  if (arg != "--target" && arg != "--timeout" && arg != "--token") return false;
  if (i + 1 >= args.size()) return absl::InvalidArgumentError(arg + " needs a value");
  const std::string& value = args[++i];
  if (arg == "--target") flags.target = value;
  if (arg == "--token") flags.token = value;
  if (arg == "--timeout") {
    absl::StatusOr<absl::Duration> timeout = sdk::ParseDurationText(value);
    if (!timeout.ok()) return sdk::Annotate(timeout.status(), "--timeout");
    flags.timeout = *timeout;
  }
  return true;
}

std::unique_ptr<v1::WorkflowService::Stub> NewWorkflowStub(const ServerClientFlags& flags) {
  return v1::WorkflowService::NewStub(
      grpc::CreateChannel(flags.target, grpc::InsecureChannelCredentials()));
}

void PrepareContext(const ServerClientFlags& flags, grpc::ClientContext& context) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + flags.timeout));
  if (!flags.token.empty()) context.AddMetadata("authorization", "Bearer " + flags.token);
}

int ReportFailedCall(std::string_view verb, const grpc::Status& status,
                     const grpc::ClientContext& context, const ServerClientFlags& flags,
                     std::ostream& err) {
  const std::string code =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
  std::optional<v1::ErrorDetails> details = service::ReadErrorDetails(context);
  if (details.has_value() && !details->execution_id().empty()) {
    // An execution ran and failed: said as `flowhost run` says it, then the call's particulars.
    err << ProgressRenderer::FailedLine(
               details->workflow(),
               ExecutionStatusWord(static_cast<absl::StatusCode>(status.error_code())),
               details->node(), details->node_location(), details->error_class(),
               status.error_message())
        << "\n";
    err << "flowhost " << verb << ": " << code << ", execution " << details->execution_id();
    if (details->attempts() > 0) err << ", " << details->attempts() << " attempt(s)";
    err << "\n";
  } else {
    err << "flowhost " << verb << ": " << code << ": " << status.error_message() << "\n";
    if (details.has_value() && !details->error_class().empty()) {
      err << "flowhost " << verb << ": error class " << details->error_class() << "\n";
    }
  }
  if (details.has_value()) {
    for (const v1::Diagnostic& diagnostic : details->diagnostics()) {
      err << diagnostic.file() << ":" << diagnostic.line() << ":" << diagnostic.column() << ": "
          << diagnostic.message() << "\n";
    }
  }
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      if (verb.rfind("executions", 0) == 0) {
        err << "flowhost " << verb << ": `flowhost executions list" << TargetSuffix(flags)
            << "` lists the executions this server has recorded\n";
        break;
      }
      err << "flowhost " << verb << ": `flowhost list" << TargetSuffix(flags)
          << "` lists the workflows this server has loaded\n";
      break;
    case grpc::StatusCode::FAILED_PRECONDITION:
      if (details.has_value() && details->error_class() == "workflow_broken") {
        err << "flowhost " << verb << ": `flowhost list" << TargetSuffix(flags)
            << "` shows every workflow file's load state and diagnostics\n";
      }
      break;
    case grpc::StatusCode::UNAVAILABLE:
      err << "flowhost " << verb << ": is `flowhost serve` running and listening on "
          << flags.target << "? (--target ADDR names another server)\n";
      break;
    default:
      break;
  }
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
      return kExitInvalid;
    default:
      return kExitFailed;
  }
}

}  // namespace flowhost::cli
