// What `flowhost call` and `flowhost list` share as clients of a running `flowhost serve`: the
// flags naming the server (--target, --timeout, --token or FLOWHOST_TOKEN), the stub and call
// context built from them, and how a failed call is reported on stderr (status, error details,
// diagnostics, and a hint at what to do next with the CLI).
//
// Thread-safety: for one verb's thread.
#ifndef FLOWHOST_SERVER_CLI_SERVER_CLIENT_H_
#define FLOWHOST_SERVER_CLI_SERVER_CLIENT_H_

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace flowhost::cli {

inline constexpr char kDefaultTarget[] = "127.0.0.1:50051";

struct ServerClientFlags {
  std::string target = kDefaultTarget;
  absl::Duration timeout = absl::Minutes(10);
  std::string token;  // sent as `authorization: Bearer <token>` when set
};

// The defaults, with FLOWHOST_TOKEN as the token when it is set.
ServerClientFlags DefaultServerClientFlags();

// If `args[i]` is one of --target, --timeout or --token, takes its value (advancing `i`) into
// `flags` and returns true. INVALID_ARGUMENT for a missing or bad value.
absl::StatusOr<bool> TakeServerClientFlag(const std::vector<std::string>& args, size_t& i,
                                          ServerClientFlags& flags);

// A stub on an insecure channel to flags.target.
std::unique_ptr<v1::WorkflowService::Stub> NewWorkflowStub(const ServerClientFlags& flags);

// Sets the deadline and the token of `context`.
void PrepareContext(const ServerClientFlags& flags, grpc::ClientContext& context);

// Writes "flowhost VERB: CODE: message", the error details and diagnostics the server sent, and a
// hint for codes the CLI can help with (NOT_FOUND: `flowhost list`; UNAVAILABLE: is the server
// running). Returns the exit code: 2 for INVALID_ARGUMENT and NOT_FOUND, 1 otherwise.
int ReportFailedCall(std::string_view verb, const grpc::Status& status,
                     const grpc::ClientContext& context, const ServerClientFlags& flags,
                     std::ostream& err);

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_SERVER_CLIENT_H_
