// flowhost list: the workflows a running `flowhost serve` has loaded, with each file's load state
// and diagnostics (ListWorkflows, every page).
#include <algorithm>

#include "absl/strings/str_format.h"
#include "flowhost/sdk/json.h"
#include "server/cli/commands.h"
#include "server/cli/server_client.h"
#include "server/service/json_proto.h"

namespace flowhost::cli {
namespace {

constexpr char kListUsage[] =
    "usage: flowhost list [--target ADDR] [--timeout DURATION] [--token TOKEN] [--json]\n";

constexpr char kListHelp[] =
    "\n"
    "Lists the workflows a running flowhost server has loaded (ListWorkflows): each file's\n"
    "workflow name, load state, node count and file, then the diagnostics of the files that have\n"
    "any. Load states: loaded (the file's content is served), stale (the file is broken; its last\n"
    "good version is served), failed (broken and never loaded: it cannot be run).\n"
    "\n"
    "  --target ADDR       the server (default 127.0.0.1:50051)\n"
    "  --timeout DURATION  give up after this long (default 10m)\n"
    "  --token TOKEN       sent as a bearer token (default: FLOWHOST_TOKEN)\n"
    "  --json              one JSON array of {name, state, file, nodes, description, diagnostics}\n"
    "\n"
    "Exit codes: 0 listed (broken files included), 1 the call failed.\n";

// "loaded", "stale", "failed": the words the server's log uses for the same states.
std::string StateWord(v1::LoadState state) {
  switch (state) {
    case v1::LOAD_STATE_LOADED:
      return "loaded";
    case v1::LOAD_STATE_STALE:
      return "stale";
    case v1::LOAD_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
  }
}

std::string SeverityWord(v1::Diagnostic::Severity severity) {
  return severity == v1::Diagnostic::SEVERITY_ERROR ? "error" : "warning";
}

// FILE:LINE:COL: severity: message, as `flowhost validate` writes it (FILE: when the problem is the
// file's as a whole).
std::string FormatDiagnostic(const v1::Diagnostic& diagnostic) {
  std::string where = diagnostic.file();
  if (diagnostic.line() > 0)
    where += absl::StrFormat(":%d:%d", diagnostic.line(), diagnostic.column());
  return absl::StrFormat("%s: %s: %s", where, SeverityWord(diagnostic.severity()),
                         diagnostic.message());
}

sdk::Json WorkflowJson(const v1::Workflow& workflow) {
  sdk::Json diagnostics = sdk::Json::array();
  for (const v1::Diagnostic& diagnostic : workflow.diagnostics()) {
    diagnostics.push_back({{"severity", SeverityWord(diagnostic.severity())},
                           {"file", diagnostic.file()},
                           {"line", diagnostic.line()},
                           {"column", diagnostic.column()},
                           {"message", diagnostic.message()}});
  }
  return {{"name", workflow.name()},
          {"state", StateWord(workflow.load_state())},
          {"file", workflow.source_file()},
          {"nodes", workflow.nodes_size()},
          {"description", workflow.description()},
          {"diagnostics", std::move(diagnostics)}};
}

}  // namespace

int ListCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kListUsage << kListHelp;
    return kExitOk;
  }
  ServerClientFlags flags = DefaultServerClientFlags();
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<bool> taken = TakeServerClientFlag(args, i, flags);
    if (!taken.ok()) {
      err << "flowhost list: " << taken.status().message() << "\n" << kListUsage;
      return kExitInvalid;
    }
    if (*taken) continue;
    if (args[i] == "--json") {
      json = true;
    } else {
      err << "flowhost list: unexpected argument '" << args[i] << "'\n" << kListUsage;
      return kExitInvalid;
    }
  }

  auto stub = NewWorkflowStub(flags);
  std::vector<v1::Workflow> workflows;
  v1::ListWorkflowsRequest request;
  request.set_page_size(100);
  do {
    grpc::ClientContext context;
    PrepareContext(flags, context);
    v1::ListWorkflowsResponse response;
    grpc::Status status = stub->ListWorkflows(&context, request, &response);
    if (!status.ok()) return ReportFailedCall("list", status, context, flags, err);
    for (v1::Workflow& workflow : *response.mutable_workflows()) {
      workflows.push_back(std::move(workflow));
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());

  if (json) {
    sdk::Json list = sdk::Json::array();
    for (const v1::Workflow& workflow : workflows) list.push_back(WorkflowJson(workflow));
    out << list.dump(2) << "\n";
    return kExitOk;
  }
  if (workflows.empty()) {
    out << "no workflow files on " << flags.target << "\n";
    return kExitOk;
  }
  size_t name_width = 4;
  for (const v1::Workflow& workflow : workflows) {
    name_width = std::max(name_width, workflow.name().size());
  }
  out << absl::StrFormat("%-*s  %-6s  %5s  %s\n", name_width, "NAME", "STATE", "NODES", "FILE");
  for (const v1::Workflow& workflow : workflows) {
    std::string nodes = workflow.load_state() == v1::LOAD_STATE_FAILED
                            ? "-"
                            : std::to_string(workflow.nodes_size());
    out << absl::StrFormat("%-*s  %-6s  %5s  %s\n", name_width, workflow.name(),
                           StateWord(workflow.load_state()), nodes, workflow.source_file());
  }
  bool heading = false;
  for (const v1::Workflow& workflow : workflows) {
    for (const v1::Diagnostic& diagnostic : workflow.diagnostics()) {
      if (!heading) out << "\n";
      heading = true;
      out << FormatDiagnostic(diagnostic) << "\n";
    }
  }
  return kExitOk;
}

}  // namespace flowhost::cli
