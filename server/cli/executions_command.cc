// flowhost executions: the execution history of a running `flowhost serve` (docs/executions.md):
// `list` (ListExecutions, filtered), `show ID` (GetExecution with its nodes), `cancel ID`
// (CancelExecution), `retry ID` (RetryExecution) and `watch ID` (WatchExecution).
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "flowhost/sdk/duration.h"
#include "google/protobuf/util/json_util.h"
#include "server/cli/commands.h"
#include "server/cli/proto_time.h"
#include "server/cli/server_client.h"

namespace flowhost::cli {
namespace {

constexpr char kExecutionsUsage[] =
    "usage: flowhost executions list [--workflow NAME] [--state STATE]... [--since DURATION]\n"
    "                                [--limit N] [--json] [--target ADDR] [--token TOKEN]\n"
    "       flowhost executions show ID [--items] [--json] [--target ADDR] [--token TOKEN]\n"
    "       flowhost executions cancel ID [--json] [--target ADDR] [--token TOKEN]\n"
    "       flowhost executions retry ID [--from-failed-node] [--json] [--target ADDR]\n"
    "                                [--token TOKEN]\n"
    "       flowhost executions watch ID [--from N] [--json] [--target ADDR] [--token TOKEN]\n";

constexpr char kExecutionsHelp[] =
    "\n"
    "The execution history of a running flowhost server (docs/executions.md).\n"
    "\n"
    "  list          recorded executions, newest first: id, state, workflow, start, duration,\n"
    "                tokens, cost, failed node (ListExecutions, every page up to --limit)\n"
    "  show ID       one execution with its nodes: state, attempts, timings, items, errors\n"
    "                (GetExecution)\n"
    "  cancel ID     stop a running execution; prints its state after the request\n"
    "                (CancelExecution)\n"
    "  retry ID      run a finished execution's workflow again on its input, as a new\n"
    "                execution; prints its id (RetryExecution)\n"
    "  watch ID      the execution's events, a line each with its sequence number: those\n"
    "                recorded so far, then the new ones as they happen, until it ends\n"
    "                (WatchExecution)\n"
    "\n"
    "  --workflow NAME     list: only this workflow's executions\n"
    "  --state STATE       list: only executions in this state (queued, running, waiting,\n"
    "                      succeeded, failed, cancelled); repeat for several\n"
    "  --since DURATION    list: only executions created within this long (such as 1h, 7d)\n"
    "  --limit N           list: at most N executions (default 50)\n"
    "  --items             show: include the output items, the execution's and each node's\n"
    "  --from-failed-node  retry: do not run again the nodes that succeeded; their stored\n"
    "                      outputs go to the nodes after them\n"
    "  --from N            watch: start at the event with sequence number N (one past the\n"
    "                      last one seen, to pick up where a watch stopped)\n"
    "  --json              the API's messages as JSON (list: one object with `executions`;\n"
    "                      watch: one object per event, each on one line)\n"
    "  --target ADDR       the server (default 127.0.0.1:50051)\n"
    "  --timeout DURATION  give up after this long (default 10m)\n"
    "  --token TOKEN       sent as a bearer token (default: FLOWHOST_TOKEN)\n"
    "\n"
    "Exit codes: 0 done, 1 the call failed, 2 bad usage or an unknown execution id.\n";

std::string StateWord(v1::ExecutionState state) {
  switch (state) {
    case v1::EXECUTION_STATE_QUEUED:
      return "queued";
    case v1::EXECUTION_STATE_RUNNING:
      return "running";
    case v1::EXECUTION_STATE_WAITING:
      return "waiting";
    case v1::EXECUTION_STATE_SUCCEEDED:
      return "succeeded";
    case v1::EXECUTION_STATE_FAILED:
      return "failed";
    case v1::EXECUTION_STATE_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
  }
}

std::optional<v1::ExecutionState> ParseState(const std::string& word) {
  for (int state = v1::EXECUTION_STATE_QUEUED; state <= v1::EXECUTION_STATE_CANCELLED; ++state) {
    if (StateWord(static_cast<v1::ExecutionState>(state)) == word) {
      return static_cast<v1::ExecutionState>(state);
    }
  }
  return std::nullopt;
}

std::string NodeStatusWord(v1::NodeStatus status) {
  std::string name = v1::NodeStatus_Name(status);
  constexpr std::string_view kPrefix = "NODE_STATUS_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  std::transform(name.begin(), name.end(), name.begin(), [](char c) { return std::tolower(c); });
  return name;
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  if (!HasTime(t)) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", ToAbslTime(t), absl::LocalTimeZone());
}

std::string DurationText(const google::protobuf::Timestamp& start,
                         const google::protobuf::Timestamp& end) {
  if (!HasTime(start) || !HasTime(end)) return "-";
  absl::Duration d = ToAbslTime(end) - ToAbslTime(start);
  return absl::StrFormat("%.3fs", absl::ToDoubleSeconds(d));
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

// The arguments of one sub-verb: flags shared by all, and the ones each takes.
struct ExecutionsArgs {
  ServerClientFlags client = DefaultServerClientFlags();
  std::vector<std::string> positional;
  std::string workflow;
  std::vector<v1::ExecutionState> states;
  std::optional<absl::Duration> since;
  int limit = 50;
  bool items = false;
  bool json = false;
  bool from_failed_node = false;
  int64_t from_sequence = 0;
};

std::optional<ExecutionsArgs> ParseArgs(const Args& args, std::ostream& err) {
  ExecutionsArgs parsed;
  auto fail = [&err](const std::string& message) -> std::optional<ExecutionsArgs> {
    err << "flowhost executions: " << message << "\n" << kExecutionsUsage;
    return std::nullopt;
  };
  for (size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<bool> taken = TakeServerClientFlag(args, i, parsed.client);
    if (!taken.ok()) return fail(std::string(taken.status().message()));
    if (*taken) continue;
    const std::string& arg = args[i];
    bool has_value = i + 1 < args.size();
    if (arg == "--json") {
      parsed.json = true;
    } else if (arg == "--items") {
      parsed.items = true;
    } else if (arg == "--from-failed-node") {
      parsed.from_failed_node = true;
    } else if (arg == "--workflow" || arg == "--state" || arg == "--since" || arg == "--limit" ||
               arg == "--from") {
      if (!has_value) return fail(arg + " needs a value");
      const std::string& value = args[++i];
      if (arg == "--workflow") {
        parsed.workflow = value;
      } else if (arg == "--state") {
        std::optional<v1::ExecutionState> state = ParseState(value);
        if (!state.has_value()) {
          return fail("--state: expected queued, running, waiting, succeeded, failed or "
                      "cancelled, got '" +
                      value + "'");
        }
        parsed.states.push_back(*state);
      } else if (arg == "--since") {
        absl::StatusOr<absl::Duration> since = sdk::ParseDurationText(value);
        if (!since.ok() || *since <= absl::ZeroDuration()) {
          return fail("--since: expected a duration such as 30m or 7d, got '" + value + "'");
        }
        parsed.since = *since;
      } else if (arg == "--from") {
        int64_t from = 0;
        if (!absl::SimpleAtoi(value, &from) || from < 0) {
          return fail("--from: expected a sequence number (0 or more), got '" + value + "'");
        }
        parsed.from_sequence = from;
      } else {
        int limit = 0;
        if (!absl::SimpleAtoi(value, &limit) || limit < 1) {
          return fail("--limit: expected a positive number, got '" + value + "'");
        }
        parsed.limit = limit;
      }
    } else if (!arg.empty() && arg[0] == '-') {
      return fail("unknown flag '" + arg + "'");
    } else {
      parsed.positional.push_back(arg);
    }
  }
  return parsed;
}

int List(const ExecutionsArgs& args, std::ostream& out, std::ostream& err) {
  if (!args.positional.empty()) {
    err << "flowhost executions list: unexpected argument '" << args.positional[0] << "'\n"
        << kExecutionsUsage;
    return kExitInvalid;
  }
  auto stub = NewWorkflowStub(args.client);
  v1::ListExecutionsRequest request;
  request.set_workflow(args.workflow);
  for (v1::ExecutionState state : args.states) request.add_states(state);
  if (args.since.has_value()) {
    absl::Time after = absl::Now() - *args.since;
    request.mutable_create_time_after()->set_seconds(absl::ToUnixSeconds(after));
  }
  v1::ListExecutionsResponse all;
  do {
    request.set_page_size(std::min(1000, args.limit - all.executions_size()));
    grpc::ClientContext context;
    PrepareContext(args.client, context);
    v1::ListExecutionsResponse page;
    grpc::Status status = stub->ListExecutions(&context, request, &page);
    if (!status.ok()) return ReportFailedCall("executions list", status, context, args.client, err);
    for (v1::Execution& execution : *page.mutable_executions()) {
      *all.add_executions() = std::move(execution);
    }
    request.set_page_token(page.next_page_token());
    all.set_next_page_token(page.next_page_token());
  } while (!request.page_token().empty() && all.executions_size() < args.limit);

  if (args.json) {
    out << ToJson(all) << "\n";
    return kExitOk;
  }
  if (all.executions_size() == 0) {
    out << "no recorded executions on " << args.client.target << "\n";
    return kExitOk;
  }
  size_t id_width = 2, workflow_width = 8;
  for (const v1::Execution& e : all.executions()) {
    id_width = std::max(id_width, e.id().size());
    workflow_width = std::max(workflow_width, e.workflow().size());
  }
  out << absl::StrFormat("%-*s  %-9s  %-*s  %-19s  %9s  %8s  %9s  %s\n", id_width, "ID", "STATE",
                         workflow_width, "WORKFLOW", "STARTED", "DURATION", "TOKENS", "COST",
                         "FAILED NODE");
  for (const v1::Execution& e : all.executions()) {
    out << absl::StrFormat("%-*s  %-9s  %-*s  %-19s  %9s  %8d  %9.6f  %s\n", id_width, e.id(),
                           StateWord(e.state()), workflow_width, e.workflow(),
                           TimeText(e.start_time()), DurationText(e.start_time(), e.end_time()),
                           e.prompt_tokens() + e.completion_tokens(), e.cost_usd(),
                           e.failed_node().empty() ? "-" : e.failed_node());
  }
  if (!all.next_page_token().empty()) {
    out << "(more: raise --limit, or narrow with --workflow, --state or --since)\n";
  }
  return kExitOk;
}

int Show(const ExecutionsArgs& args, std::ostream& out, std::ostream& err) {
  if (args.positional.size() != 1) {
    err << "flowhost executions show: expected one execution id\n" << kExecutionsUsage;
    return kExitInvalid;
  }
  auto stub = NewWorkflowStub(args.client);
  v1::GetExecutionRequest request;
  request.set_execution_id(args.positional[0]);
  request.set_include_nodes(true);
  request.set_include_items(args.items);
  grpc::ClientContext context;
  PrepareContext(args.client, context);
  v1::GetExecutionResponse response;
  grpc::Status status = stub->GetExecution(&context, request, &response);
  if (!status.ok()) return ReportFailedCall("executions show", status, context, args.client, err);
  const v1::Execution& e = response.execution();
  if (args.json) {
    out << ToJson(e) << "\n";
    return kExitOk;
  }
  out << "execution  " << e.id() << "\n"
      << "workflow   " << e.workflow() << " (content " << e.workflow_hash() << ")\n"
      << "state      " << StateWord(e.state()) << (e.cancel_requested() ? " (cancel requested)" : "")
      << "\n"
      << "created    " << TimeText(e.create_time()) << "\n"
      << "started    " << TimeText(e.start_time()) << "\n"
      << "finished   " << TimeText(e.end_time()) << "  ("
      << DurationText(e.start_time(), e.end_time()) << ")\n"
      << absl::StrFormat("tokens     %d prompt, %d completion; cost $%.6f\n", e.prompt_tokens(),
                         e.completion_tokens(), e.cost_usd());
  if (e.has_error()) {
    out << "error      " << e.error_code() << " (" << e.error().error_class()
        << "): " << e.error().message() << "\n";
  }
  if (!e.failed_node().empty()) out << "failed at  " << e.failed_node() << "\n";
  if (!e.idempotency_key().empty()) out << "key        " << e.idempotency_key() << "\n";
  if (!e.retry_of().empty()) out << "retry of   " << e.retry_of() << "\n";
  if (e.nodes_size() > 0) {
    size_t name_width = 4;
    for (const v1::ExecutionNode& n : e.nodes()) name_width = std::max(name_width, n.name().size());
    out << "\n"
        << absl::StrFormat("%-*s  %-9s  %8s  %9s  %6s  %6s  %s\n", name_width, "NODE", "STATUS",
                           "ATTEMPTS", "DURATION", "IN", "OUT", "ERROR");
    for (const v1::ExecutionNode& n : e.nodes()) {
      out << absl::StrFormat("%-*s  %-9s  %8d  %9s  %6d  %6d  %s\n", name_width, n.name(),
                             NodeStatusWord(n.status()), n.attempts(),
                             DurationText(n.start_time(), n.end_time()), n.items_in(),
                             n.items_out(), n.has_error() ? n.error().message() : "");
    }
  }
  if (args.items) {
    v1::Execution output_only;
    *output_only.mutable_output_items() = e.output_items();
    out << "\noutput" << (e.output_truncated() ? " (truncated at store.max_output_bytes)" : "")
        << "\n"
        << ToJson(output_only) << "\n";
  }
  return kExitOk;
}

int Cancel(const ExecutionsArgs& args, std::ostream& out, std::ostream& err) {
  if (args.positional.size() != 1) {
    err << "flowhost executions cancel: expected one execution id\n" << kExecutionsUsage;
    return kExitInvalid;
  }
  auto stub = NewWorkflowStub(args.client);
  v1::CancelExecutionRequest request;
  request.set_execution_id(args.positional[0]);
  grpc::ClientContext context;
  PrepareContext(args.client, context);
  v1::CancelExecutionResponse response;
  grpc::Status status = stub->CancelExecution(&context, request, &response);
  if (!status.ok()) return ReportFailedCall("executions cancel", status, context, args.client, err);
  if (args.json) {
    out << ToJson(response) << "\n";
    return kExitOk;
  }
  out << response.execution_id() << ": " << StateWord(response.state());
  if (response.state() == v1::EXECUTION_STATE_RUNNING) out << " (cancelling)";
  out << "\n";
  return kExitOk;
}

int Retry(const ExecutionsArgs& args, std::ostream& out, std::ostream& err) {
  if (args.positional.size() != 1) {
    err << "flowhost executions retry: expected one execution id\n" << kExecutionsUsage;
    return kExitInvalid;
  }
  auto stub = NewWorkflowStub(args.client);
  v1::RetryExecutionRequest request;
  request.set_execution_id(args.positional[0]);
  request.set_from_failed_node(args.from_failed_node);
  grpc::ClientContext context;
  PrepareContext(args.client, context);
  v1::RetryExecutionResponse response;
  grpc::Status status = stub->RetryExecution(&context, request, &response);
  if (!status.ok()) return ReportFailedCall("executions retry", status, context, args.client, err);
  if (args.json) {
    out << ToJson(response) << "\n";
    return kExitOk;
  }
  out << response.execution_id() << ": " << StateWord(response.state()) << " (retry of "
      << response.retry_of();
  if (response.reused_nodes_size() > 0) {
    out << "; reused:";
    for (const std::string& node : response.reused_nodes()) out << " " << node;
  }
  out << ")\n";
  return kExitOk;
}

// One event of a watch as a line of text: its sequence number, kind and what it says.
std::string EventLine(const v1::WatchExecutionResponse& response) {
  const v1::StreamWorkflowResponse& event = response.event();
  std::string line = absl::StrFormat("%6d  ", response.sequence());
  switch (event.event_case()) {
    case v1::StreamWorkflowResponse::kExecutionStarted:
      return line + absl::StrFormat("execution_started   %s (%s) at %s",
                                    event.execution_started().workflow(),
                                    event.execution_started().execution_id(),
                                    TimeText(event.execution_started().start_time()));
    case v1::StreamWorkflowResponse::kNodeStarted:
      return line + absl::StrFormat("node_started        %s (attempt %d)",
                                    event.node_started().node(), event.node_started().attempt());
    case v1::StreamWorkflowResponse::kNodeFinished:
    case v1::StreamWorkflowResponse::kNodeFailed: {
      const v1::NodeSummary& node = event.has_node_finished() ? event.node_finished()
                                                              : event.node_failed();
      line += absl::StrFormat("%-18s  %s %s", event.has_node_finished() ? "node_finished"
                                                                         : "node_failed",
                              node.name(), NodeStatusWord(node.status()));
      if (node.has_error()) line += ": " + node.error().message();
      return line;
    }
    case v1::StreamWorkflowResponse::kExecutionFinished: {
      const v1::ExecutionFinished& finished = event.execution_finished();
      std::string status = v1::ExecutionStatus_Name(finished.status());
      constexpr std::string_view kPrefix = "EXECUTION_STATUS_";
      if (status.rfind(kPrefix, 0) == 0) status = status.substr(kPrefix.size());
      std::transform(status.begin(), status.end(), status.begin(),
                     [](char c) { return std::tolower(c); });
      line += "execution_finished  " + status;
      if (!finished.failed_node().empty()) line += " at node " + finished.failed_node();
      if (finished.has_error()) line += ": " + finished.error().message();
      return line;
    }
    default:
      return line + "event";
  }
}

int Watch(const ExecutionsArgs& args, std::ostream& out, std::ostream& err) {
  if (args.positional.size() != 1) {
    err << "flowhost executions watch: expected one execution id\n" << kExecutionsUsage;
    return kExitInvalid;
  }
  auto stub = NewWorkflowStub(args.client);
  v1::WatchExecutionRequest request;
  request.set_execution_id(args.positional[0]);
  request.set_from_sequence(args.from_sequence);
  grpc::ClientContext context;
  PrepareContext(args.client, context);
  std::unique_ptr<grpc::ClientReader<v1::WatchExecutionResponse>> reader =
      stub->WatchExecution(&context, request);
  v1::WatchExecutionResponse response;
  while (reader->Read(&response)) {
    if (args.json) {
      std::string json;
      google::protobuf::util::JsonPrintOptions options;
      options.preserve_proto_field_names = true;
      (void)google::protobuf::util::MessageToJsonString(response, &json, options);
      out << json << "\n";
    } else {
      out << EventLine(response) << "\n";
    }
    out.flush();
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return ReportFailedCall("executions watch", status, context, args.client, err);
  return kExitOk;
}

}  // namespace

int ExecutionsCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kExecutionsUsage << kExecutionsHelp;
    return kExitOk;
  }
  if (args.empty()) {
    err << "flowhost executions: expected list, show, cancel, retry or watch\n" << kExecutionsUsage;
    return kExitInvalid;
  }
  std::optional<ExecutionsArgs> parsed = ParseArgs(args, err);
  if (!parsed.has_value()) return kExitInvalid;
  const std::string& sub = args[0];
  if (sub == "list") return List(*parsed, out, err);
  if (sub == "show") return Show(*parsed, out, err);
  if (sub == "cancel") return Cancel(*parsed, out, err);
  if (sub == "retry") return Retry(*parsed, out, err);
  if (sub == "watch") return Watch(*parsed, out, err);
  err << "flowhost executions: unknown command '" << sub
      << "' (expected list, show, cancel, retry or watch)\n"
      << kExecutionsUsage;
  return kExitInvalid;
}

}  // namespace flowhost::cli
