// flowhost call: a small client of a running `flowhost serve` (RunWorkflow / StreamWorkflow).
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "flowhost/sdk/duration.h"
#include "flowhost/sdk/error.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/cli/commands.h"
#include "server/service/json_proto.h"
#include "server/service/status_mapping.h"

namespace flowhost::cli {
namespace {

constexpr char kCallUsage[] =
    "usage: flowhost call WORKFLOW [--input JSON|@FILE] [--stream] [--target ADDR]\n"
    "                     [--timeout DURATION] [--token TOKEN]\n"
    "\n"
    "Runs WORKFLOW (a name the server has loaded) on a flowhost server (default 127.0.0.1:50051)\n"
    "and prints its output items as JSON on stdout; progress (and with --stream, the text as it "
    "is\n"
    "written) on stderr. --token (or FLOWHOST_TOKEN) is sent as a bearer token.\n"
    "Exit codes: 0 success, 1 the call failed, 2 invalid request (bad input, unknown workflow).\n";

struct CallFlags {
  std::string workflow;
  std::string input = "{}";
  bool stream = false;
  std::string target = "127.0.0.1:50051";
  absl::Duration timeout = absl::Minutes(10);
  std::string token;
};

absl::StatusOr<CallFlags> ParseFlags(const Args& args) {
  CallFlags flags;
  if (const char* token = std::getenv("FLOWHOST_TOKEN")) flags.token = token;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> absl::StatusOr<std::string> {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(arg + " needs a value");
      return args[++i];
    };
    if (arg == "--stream") {
      flags.stream = true;
    } else if (arg == "--input" || arg == "--target" || arg == "--timeout" || arg == "--token") {
      absl::StatusOr<std::string> text = value();
      if (!text.ok()) return text.status();
      if (arg == "--input") flags.input = *text;
      if (arg == "--target") flags.target = *text;
      if (arg == "--token") flags.token = *text;
      if (arg == "--timeout") {
        absl::StatusOr<absl::Duration> timeout = sdk::ParseDurationText(*text);
        if (!timeout.ok()) return sdk::Annotate(timeout.status(), "--timeout");
        flags.timeout = *timeout;
      }
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

absl::StatusOr<google::protobuf::Struct> ReadInput(const std::string& value) {
  std::string text = value;
  if (!value.empty() && value[0] == '@') {
    std::ifstream file(value.substr(1));
    if (!file) return absl::NotFoundError("cannot read input file '" + value.substr(1) + "'");
    std::stringstream buffer;
    buffer << file.rdbuf();
    text = buffer.str();
  }
  sdk::Json json = sdk::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return absl::InvalidArgumentError("--input is not valid JSON");
  google::protobuf::Struct input;
  if (absl::Status status = service::JsonToStruct(json, input); !status.ok()) {
    return absl::InvalidArgumentError("--input must be a JSON object");
  }
  return input;
}

int Failed(const grpc::Status& status, const grpc::ClientContext& context, std::ostream& err) {
  err << "flowhost call: "
      << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())) << ": "
      << status.error_message() << "\n";
  if (std::optional<v1::ErrorDetails> details = service::ReadErrorDetails(context)) {
    err << "flowhost call: error class " << details->error_class();
    if (!details->node().empty()) err << ", node '" << details->node() << "'";
    if (details->attempts() > 0) err << ", " << details->attempts() << " attempt(s)";
    if (!details->execution_id().empty()) err << ", execution " << details->execution_id();
    err << "\n";
    for (const v1::Diagnostic& diagnostic : details->diagnostics()) {
      err << diagnostic.file() << ":" << diagnostic.line() << ":" << diagnostic.column() << ": "
          << diagnostic.message() << "\n";
    }
  }
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
      return kExitInvalid;
    default:
      return kExitFailed;
  }
}

std::string Totals(const v1::ExecutionSummary& summary) {
  double ms = summary.duration().seconds() * 1e3 + summary.duration().nanos() / 1e6;
  return absl::StrFormat("%.0f ms, %d+%d tokens, $%.6f", ms, summary.prompt_tokens(),
                         summary.completion_tokens(), summary.cost_usd());
}

void PrintItems(const google::protobuf::RepeatedPtrField<google::protobuf::Value>& items,
                std::ostream& out) {
  sdk::Json output = sdk::Json::array();
  for (const auto& item : items) output.push_back(service::ValueToJson(item));
  out << output.dump(2) << "\n";
}

}  // namespace

int CallCommand(const Args& args, std::ostream& out, std::ostream& err) {
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
  auto stub = v1::WorkflowService::NewStub(
      grpc::CreateChannel(flags->target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + flags->timeout));
  if (!flags->token.empty()) context.AddMetadata("authorization", "Bearer " + flags->token);

  if (!flags->stream) {
    v1::RunWorkflowRequest request;
    request.set_workflow(flags->workflow);
    *request.mutable_input() = *input;
    v1::RunWorkflowResponse response;
    grpc::Status status = stub->RunWorkflow(&context, request, &response);
    if (!status.ok()) return Failed(status, context, err);
    PrintItems(response.output_items(), out);
    err << "flowhost: '" << response.workflow() << "' succeeded: " << Totals(response.summary())
        << "\n";
    return kExitOk;
  }

  v1::StreamWorkflowRequest request;
  request.set_workflow(flags->workflow);
  *request.mutable_input() = *input;
  auto reader = stub->StreamWorkflow(&context, request);
  v1::StreamWorkflowResponse event;
  bool in_text = false;
  auto end_text = [&] {
    if (in_text) err << "\n";
    in_text = false;
  };
  while (reader->Read(&event)) {
    if (event.has_node_started()) {
      end_text();
      err << "  " << event.node_started().node() << ": started\n";
    } else if (event.has_token_delta() && event.token_delta().kind() == "content") {
      if (!in_text) err << "  " << event.token_delta().node() << " > ";
      in_text = true;
      err << event.token_delta().text() << std::flush;
    } else if (event.has_node_finished() || event.has_node_failed()) {
      end_text();
      const v1::NodeSummary& node =
          event.has_node_finished() ? event.node_finished() : event.node_failed();
      err << "  " << node.name() << ": " << v1::NodeStatus_Name(node.status()) << "\n";
    } else if (event.has_execution_finished()) {
      end_text();
      if (event.execution_finished().status() == v1::EXECUTION_STATUS_SUCCEEDED) {
        PrintItems(event.execution_finished().output_items(), out);
        err << "flowhost: succeeded: " << Totals(event.execution_finished().summary()) << "\n";
      }
    }
  }
  end_text();
  grpc::Status status = reader->Finish();
  if (!status.ok()) return Failed(status, context, err);
  return kExitOk;
}

}  // namespace flowhost::cli
