// flowhost workers: the remote workers connected to a running `flowhost serve` (ListWorkers):
// each worker's id, the node types it serves, its free credits, the items it holds and how long ago
// the server last heard from it; and the items waiting for a worker's credit.
#include <algorithm>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"
#include "server/cli/commands.h"
#include "server/cli/proto_time.h"
#include "server/cli/server_client.h"

namespace flowhost::cli {
namespace {

constexpr char kWorkersUsage[] =
    "usage: flowhost workers [--type TYPE] [--json] [--target ADDR] [--timeout DURATION] "
    "[--token TOKEN]\n";

constexpr char kWorkersHelp[] =
    "\n"
    "Lists the remote workers connected to a running flowhost server (ListWorkers): for each, its\n"
    "id and session, the node types it serves, its free credits (how many more items it may be\n"
    "sent), the items it holds now, and how long ago the server last heard from it (heartbeats\n"
    "included); then the items waiting for a worker's credit, per node type. A server without\n"
    "remote.listen has none (docs/plugins.md, \"Remote nodes\").\n"
    "\n"
    "  --type TYPE         only the workers serving node type TYPE\n"
    "  --json              one JSON object {workers: [{worker_id, session_id, worker_build,\n"
    "                      node_types, credits_free, in_flight, connect_time, last_heard_time,\n"
    "                      draining}], queued_items: {TYPE: N}}\n"
    "  --target ADDR       the server (default 127.0.0.1:50051)\n"
    "  --timeout DURATION  give up after this long (default 10m)\n"
    "  --token TOKEN       sent as a bearer token (default: FLOWHOST_TOKEN)\n"
    "\n"
    "Exit codes: 0 listed, 1 the call failed.\n";

sdk::Json TimeJson(const google::protobuf::Timestamp& t) {
  if (!HasTime(t)) return nullptr;
  return absl::FormatTime(absl::RFC3339_full, ToAbslTime(t), absl::UTCTimeZone());
}

sdk::Json WorkerJson(const v1::RemoteWorker& worker) {
  return {{"worker_id", worker.worker_id()},
          {"session_id", worker.session_id()},
          {"worker_build", worker.worker_build()},
          {"node_types", sdk::Json(std::vector<std::string>(worker.node_types().begin(),
                                                            worker.node_types().end()))},
          {"credits_free", worker.credits_free()},
          {"in_flight", worker.in_flight()},
          {"connect_time", TimeJson(worker.connect_time())},
          {"last_heard_time", TimeJson(worker.last_heard_time())},
          {"draining", worker.draining()}};
}

// "0.3s ago", or "-" when the server did not say.
std::string AgoText(const google::protobuf::Timestamp& t, absl::Time now) {
  if (!HasTime(t)) return "-";
  return absl::StrFormat("%.1fs ago", std::max(0.0, absl::ToDoubleSeconds(now - ToAbslTime(t))));
}

}  // namespace

int WorkersCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kWorkersUsage << kWorkersHelp;
    return kExitOk;
  }
  ServerClientFlags flags = DefaultServerClientFlags();
  bool json = false;
  v1::ListWorkersRequest request;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<bool> taken = TakeServerClientFlag(args, i, flags);
    if (!taken.ok()) {
      err << "flowhost workers: " << taken.status().message() << "\n" << kWorkersUsage;
      return kExitInvalid;
    }
    if (*taken) continue;
    if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--type") {
      if (i + 1 >= args.size()) {
        err << "flowhost workers: --type needs a node type\n" << kWorkersUsage;
        return kExitInvalid;
      }
      request.set_node_type(args[++i]);
    } else {
      err << "flowhost workers: unexpected argument '" << args[i] << "'\n" << kWorkersUsage;
      return kExitInvalid;
    }
  }

  auto stub = NewWorkflowStub(flags);
  grpc::ClientContext context;
  PrepareContext(flags, context);
  v1::ListWorkersResponse response;
  grpc::Status status = stub->ListWorkers(&context, request, &response);
  if (!status.ok()) return ReportFailedCall("workers", status, context, flags, err);

  if (json) {
    sdk::Json workers = sdk::Json::array();
    for (const v1::RemoteWorker& worker : response.workers()) workers.push_back(WorkerJson(worker));
    sdk::Json queued = sdk::Json::object();
    for (const auto& [type, count] : response.queued_items()) queued[type] = count;
    out << sdk::Json{{"workers", workers}, {"queued_items", queued}}.dump(2) << "\n";
    return kExitOk;
  }
  if (response.workers().empty()) {
    out << "no remote worker connected to " << flags.target
        << (request.node_type().empty() ? "" : " for node type " + request.node_type()) << "\n";
  } else {
    const absl::Time now = absl::Now();
    size_t width = 6;
    for (const v1::RemoteWorker& worker : response.workers()) {
      width = std::max(width, worker.worker_id().size());
    }
    out << absl::StrFormat("%-*s  %-8s  %7s  %9s  %-10s  %s\n", width, "WORKER", "SESSION",
                           "CREDITS", "IN FLIGHT", "HEARD", "TYPES");
    for (const v1::RemoteWorker& worker : response.workers()) {
      out << absl::StrFormat(
          "%-*s  %-8s  %7d  %9d  %-10s  %s%s\n", width, worker.worker_id(), worker.session_id(),
          worker.credits_free(), worker.in_flight(), AgoText(worker.last_heard_time(), now),
          absl::StrJoin(worker.node_types(), ","), worker.draining() ? " (draining)" : "");
    }
  }
  for (const auto& [type, count] : response.queued_items()) {
    out << count << " items of " << type << " wait for a worker's credit\n";
  }
  return kExitOk;
}

}  // namespace flowhost::cli
