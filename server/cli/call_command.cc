// flowhost call: a small client of a running `flowhost serve` (RunWorkflow / StreamWorkflow).

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "flowhost/sdk/error.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/cli/commands.h"
#include "server/cli/input_flag.h"
#include "server/cli/progress_renderer.h"
#include "server/cli/server_client.h"
#include "server/service/json_proto.h"

namespace flowhost::cli {
namespace {

constexpr char kCallUsage[] =
    "usage: flowhost call WORKFLOW [--input JSON|@FILE] [--stream] [--target ADDR]\n"
    "                     [--timeout DURATION] [--token TOKEN]\n";

constexpr char kCallHelp[] =
    "\n"
    "Runs WORKFLOW (the name of a workflow the server has loaded: `flowhost list` shows them) on\n"
    "a running flowhost server and prints its output items as JSON on stdout; progress on stderr,\n"
    "in the words `flowhost run` uses.\n"
    "\n"
    "  --input JSON|@FILE  the workflow's inputs: a JSON object, or @FILE for a file holding one\n"
    "  --stream            StreamWorkflow: each node as it starts and ends, and the text LLM "
    "nodes\n"
    "                      write as they write it, on lines labelled NODE[ITEM]\n"
    "  --target ADDR       the server (default 127.0.0.1:50051)\n"
    "  --timeout DURATION  the call's deadline (default 10m)\n"
    "  --token TOKEN       sent as a bearer token (default: FLOWHOST_TOKEN)\n"
    "\n"
    "An offline server (`flowhost serve --offline`) needs nothing extra here.\n"
    "Exit codes: 0 success, 1 the call failed, 2 invalid request (bad input, unknown workflow).\n";

struct CallFlags {
  std::string workflow;
  std::string input = "{}";
  bool stream = false;
  ServerClientFlags client = DefaultServerClientFlags();
};

absl::StatusOr<CallFlags> ParseFlags(const Args& args) {
  CallFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<bool> taken = TakeServerClientFlag(args, i, flags.client);
    if (!taken.ok()) return taken.status();
    if (*taken) continue;
    const std::string& arg = args[i];
    if (arg == "--stream") {
      flags.stream = true;
    } else if (arg == "--input") {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError("--input needs a value");
      flags.input = args[++i];
    } else if (!arg.empty() && arg[0] == '-') {
      return absl::InvalidArgumentError("unknown flag " + arg);
    } else if (flags.workflow.empty()) {
      flags.workflow = arg;
    } else {
      return absl::InvalidArgumentError("unexpected argument '" + arg + "'");
    }
  }
  if (flags.workflow.empty()) return absl::InvalidArgumentError("which workflow? (WORKFLOW)");
  return flags;
}

// --input as the request's Struct.
absl::StatusOr<google::protobuf::Struct> ReadInput(const std::string& value) {
  absl::StatusOr<sdk::Json> json = ReadInputFlag(value);
  if (!json.ok()) return json.status();
  google::protobuf::Struct input;
  if (absl::Status status = service::JsonToStruct(*json, input); !status.ok()) {
    return absl::InvalidArgumentError("--input: " + std::string(status.message()));
  }
  return input;
}

absl::Duration FromProto(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) + absl::Nanoseconds(duration.nanos());
}

ExecutionTotals TotalsOf(const v1::ExecutionSummary& summary, int items) {
  ExecutionTotals totals;
  totals.duration = FromProto(summary.duration());
  totals.items = items;
  totals.prompt_tokens = summary.prompt_tokens();
  totals.completion_tokens = summary.completion_tokens();
  totals.cost_usd = summary.cost_usd();
  return totals;
}

// NODE_STATUS_SUCCEEDED -> "succeeded": the execution record's words, as `flowhost run` prints.
std::string StatusWord(v1::NodeStatus status) {
  std::string name = v1::NodeStatus_Name(status);
  const std::string prefix = "NODE_STATUS_";
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  return absl::AsciiStrToLower(name);
}

NodeOutcome OutcomeOf(const v1::NodeSummary& node) {
  NodeOutcome outcome;
  outcome.name = node.name();
  outcome.status = StatusWord(node.status());
  outcome.items_out = node.items_out();
  outcome.duration = FromProto(node.duration());
  outcome.attempts = node.attempts();
  outcome.model = node.model();
  outcome.cost_usd = node.cost_usd();
  if (node.has_error()) {
    outcome.error_class = node.error().error_class();
    outcome.error_message = node.error().message();
  }
  return outcome;
}

void PrintItems(const google::protobuf::RepeatedPtrField<google::protobuf::Value>& items,
                std::ostream& out) {
  sdk::Json output = sdk::Json::array();
  for (const auto& item : items) output.push_back(service::ValueToJson(item));
  out << output.dump(2) << "\n";
}

}  // namespace

int CallCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kCallUsage << kCallHelp;
    return kExitOk;
  }
  absl::StatusOr<CallFlags> flags = ParseFlags(args);
  if (!flags.ok()) {
    err << "flowhost call: " << flags.status().message() << "\n" << kCallUsage;
    return kExitInvalid;
  }
  absl::StatusOr<google::protobuf::Struct> input = ReadInput(flags->input);
  if (!input.ok()) {
    err << "flowhost call: " << input.status().message() << "\n";
    return kExitInvalid;
  }
  auto stub = NewWorkflowStub(flags->client);
  grpc::ClientContext context;
  PrepareContext(flags->client, context);

  if (!flags->stream) {
    v1::RunWorkflowRequest request;
    request.set_workflow(flags->workflow);
    *request.mutable_input() = *input;
    v1::RunWorkflowResponse response;
    grpc::Status status = stub->RunWorkflow(&context, request, &response);
    if (!status.ok()) return ReportFailedCall("call", status, context, flags->client, err);
    PrintItems(response.output_items(), out);
    err << ProgressRenderer::SucceededLine(
               response.workflow(), TotalsOf(response.summary(), response.output_items_size()))
        << "\n";
    return kExitOk;
  }

  v1::StreamWorkflowRequest request;
  request.set_workflow(flags->workflow);
  *request.mutable_input() = *input;
  auto reader = stub->StreamWorkflow(&context, request);
  v1::StreamWorkflowResponse event;
  ProgressRenderer progress(err);
  std::string workflow = flags->workflow;
  while (reader->Read(&event)) {
    if (event.has_execution_started()) {
      workflow = event.execution_started().workflow();
    } else if (event.has_node_started()) {
      progress.NodeStarted(event.node_started().node(), event.node_started().attempt());
    } else if (event.has_token_delta()) {
      const v1::TokenDelta& delta = event.token_delta();
      progress.TokenDelta(delta.node(), delta.item_index(), delta.text(), delta.kind());
    } else if (event.has_tokens_reset()) {
      const v1::TokensReset& reset = event.tokens_reset();
      progress.TokensReset(reset.node(), reset.item_index(), reset.attempt(), reset.route());
    } else if (event.has_node_finished()) {
      progress.NodeEnded(OutcomeOf(event.node_finished()));
    } else if (event.has_node_failed()) {
      progress.NodeEnded(OutcomeOf(event.node_failed()));
    } else if (event.has_execution_finished()) {
      progress.FlushAll();
      const v1::ExecutionFinished& finished = event.execution_finished();
      if (finished.status() == v1::EXECUTION_STATUS_SUCCEEDED) {
        PrintItems(finished.output_items(), out);
        err << ProgressRenderer::SucceededLine(
                   workflow, TotalsOf(finished.summary(), finished.output_items_size()))
            << "\n";
      }
    }
  }
  progress.FlushAll();
  grpc::Status status = reader->Finish();
  if (!status.ok()) return ReportFailedCall("call", status, context, flags->client, err);
  return kExitOk;
}

}  // namespace flowhost::cli
