#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "flowhost/sdk/duration.h"
#include "flowhost/sdk/error.h"
#include "server/cli/cli_host.h"
#include "server/cli/commands.h"
#include "server/cli/input_flag.h"
#include "server/cli/verb_config.h"
#include "server/cli/offline_upstream.h"
#include "server/cli/progress_renderer.h"
#include "server/cli/sibling_workflows.h"
#include "server/config/host_config.h"
#include "server/runtime/runtime.h"
#include "server/workflow/sub_workflow_checks.h"

namespace flowhost::cli {
namespace {

std::atomic<bool> interrupted{false};

void OnInterrupt(int) { interrupted.store(true); }

// "FILE:LINE" of node `name` in `workflow`, or empty.
std::string NodeLocation(const workflow::CompiledWorkflow& workflow, std::string_view name) {
  const workflow::CompiledNode* node = workflow.FindNode(name);
  if (node == nullptr || node->location.line <= 0) return "";
  return absl::StrCat(node->location.file.empty() ? workflow.source_path : node->location.file, ":",
                      node->location.line);
}

// Writes progress lines to stderr as the execution runs (progress_renderer.h); token deltas too
// with --stream. Called from the executor's threads.
class ProgressPrinter : public executor::ExecutionObserver {
 public:
  ProgressPrinter(std::ostream& err, bool stream, workflow::WorkflowPtr workflow)
      : stream_(stream), workflow_(std::move(workflow)), renderer_(err) {}

  void OnNodeStarted(std::string_view node, int attempt) override {
    absl::MutexLock lock(&mu_);
    renderer_.NodeStarted(node, attempt);
  }

  void OnNodeFinished(const executor::NodeRecord& record) override {
    NodeOutcome outcome;
    outcome.name = record.name;
    outcome.status = std::string(executor::NodeStatusName(record.status));
    outcome.items_out = record.items_out;
    outcome.duration = record.duration();
    outcome.attempts = record.attempts;
    outcome.model = record.model;
    outcome.cost_usd = record.cost_usd;
    if (!record.error.ok()) {
      outcome.error_class = sdk::ErrorClassOf(record.error);
      outcome.error_message = std::string(record.error.message());
      outcome.location = NodeLocation(*workflow_, record.name);
    }
    absl::MutexLock lock(&mu_);
    renderer_.NodeEnded(outcome);
  }

  bool wants_tokens() const override { return stream_; }

  void OnTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                    std::string_view kind) override {
    absl::MutexLock lock(&mu_);
    renderer_.TokenDelta(node, static_cast<int64_t>(item_index), text, kind);
  }

  void OnTokensReset(std::string_view node, size_t item_index,
                     const sdk::TokenSource& source) override {
    absl::MutexLock lock(&mu_);
    renderer_.TokensReset(node, static_cast<int64_t>(item_index), source.attempt, source.route);
  }

  // The stream is over: anything still held is written.
  void Finish() {
    absl::MutexLock lock(&mu_);
    renderer_.FlushAll();
  }

 private:
  const bool stream_;
  const workflow::WorkflowPtr workflow_;
  absl::Mutex mu_;
  ProgressRenderer renderer_ ABSL_GUARDED_BY(mu_);
};

struct RunFlags {
  std::string file;
  std::string input = "{}";
  std::string workflows_dir;
  bool stream = false;
  bool record = false;
  bool offline = false;
  absl::Duration timeout = absl::InfiniteDuration();
};

constexpr char kRunUsage[] =
    "usage: flowhost run FILE [--input JSON|@FILE] [--offline] [--workflows DIR] [--config FILE]\n"
    "                         [--stream] [--record] [--timeout DURATION] [--SETTING VALUE]...\n";

constexpr char kRunHelp[] =
    "\n"
    "Runs the workflow in FILE in this process and prints its output items as JSON on stdout;\n"
    "progress (each node as it starts and ends) on stderr.\n"
    "\n"
    "  --input JSON|@FILE  the workflow's inputs: a JSON object, or @FILE for a file holding one\n"
    "  --offline           start the bundled fake OpenRouter on loopback and send every "
    "OpenRouter\n"
    "                      call there: canned answers, no key, no network (docs/cli.md)\n"
    "  --workflows DIR     where execute_workflow finds other workflows (default: FILE's "
    "directory)\n"
    "  --stream            also print the text LLM nodes write, as they write it, per item\n"
    "  --record            print the execution record (every node, attempt and upstream call)\n"
    "  --timeout DURATION  cancel the execution after this long (e.g. 30s, 2m)\n"
    "  --config FILE, --SETTING VALUE\n"
    "                      the host configuration, as for serve (flowhost serve --help)\n"
    "\n"
    "Exit codes: 0 succeeded, 1 the execution failed, 2 invalid workflow, input or usage.\n";

absl::StatusOr<RunFlags> ParseRunFlags(const Args& args) {
  RunFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const char* name) -> absl::StatusOr<std::string> {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(std::string(name) + " needs a value");
      return args[++i];
    };
    if (arg == "--input") {
      auto v = value("--input");
      if (!v.ok()) return v.status();
      flags.input = *v;
    } else if (arg.rfind("--input=", 0) == 0) {
      flags.input = arg.substr(8);
    } else if (arg == "--workflows") {
      auto v = value("--workflows");
      if (!v.ok()) return v.status();
      flags.workflows_dir = *v;
    } else if (arg == "--timeout") {
      auto v = value("--timeout");
      if (!v.ok()) return v.status();
      auto duration = sdk::ParseDurationText(*v);
      if (!duration.ok()) return sdk::Annotate(duration.status(), "--timeout");
      flags.timeout = *duration;
    } else if (arg == "--stream") {
      flags.stream = true;
    } else if (arg == "--record") {
      flags.record = true;
    } else if (arg == "--offline") {
      flags.offline = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return absl::InvalidArgumentError("unknown flag '" + arg + "'");
    } else if (flags.file.empty()) {
      flags.file = arg;
    } else {
      return absl::InvalidArgumentError("one workflow file at a time (got '" + flags.file +
                                        "' and '" + arg + "')");
    }
  }
  if (flags.file.empty()) return absl::InvalidArgumentError("missing the workflow FILE");
  return flags;
}

}  // namespace

int RunCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kRunUsage << kRunHelp;
    return kExitOk;
  }
  config::ConfigSources sources = QuietCliSources();
  auto rest = config::ExtractConfigFlags(args, sources);
  if (!rest.ok()) {
    err << "flowhost run: " << rest.status().message() << "\n" << kRunUsage;
    return kExitInvalid;
  }
  auto flags = ParseRunFlags(*rest);
  if (!flags.ok()) {
    err << "flowhost run: " << flags.status().message() << "\n" << kRunUsage;
    return kExitInvalid;
  }
  auto config = config::LoadHostConfig(sources);
  if (!config.ok()) {
    err << "flowhost run: configuration: " << config.status().message() << "\n";
    return kExitInvalid;
  }
  auto input = ReadInputFlag(flags->input);
  if (!input.ok()) {
    err << "flowhost run: " << input.status().message() << "\n";
    return kExitInvalid;
  }

  CliHost cli_host;
  if (int code = StartCliHost("run", *std::move(config), sources, flags->offline,
                              /*announce_offline=*/true, err, cli_host);
      code != kExitOk) {
    return code;
  }
  runtime::Runtime& host = *cli_host.runtime;

  workflow::LoadResult loaded =
      workflow::LoadWorkflowFile(flags->file, host.registry(), host.load_limits());
  if (!loaded.diagnostics.empty()) err << workflow::FormatDiagnostics(loaded.diagnostics);
  if (!loaded.ok()) return kExitInvalid;

  auto bound = workflow::BindInputs(*loaded.workflow, *input);
  if (!bound.ok()) {
    err << "flowhost run: invalid input: " << bound.status().message() << "\n";
    return kExitInvalid;
  }

  std::string directory = flags->workflows_dir.empty()
                              ? std::filesystem::path(flags->file).parent_path().string()
                              : flags->workflows_dir;
  SiblingWorkflows siblings(directory.empty() ? "." : directory, host.registry(),
                            host.load_limits(), err);
  siblings.Add(loaded.workflow);
  // The calls the file makes are checked before anything runs, as `validate --workflows` does.
  std::vector<workflow::Diagnostic> calls =
      workflow::CheckSubWorkflowCalls(*loaded.workflow, siblings.AsSet());
  if (!calls.empty()) err << workflow::FormatDiagnostics(calls);
  if (workflow::HasErrors(calls)) return kExitInvalid;
  host.SetWorkflowResolver(&siblings);

  executor::ExecutionRequest request;
  request.workflow = loaded.workflow;
  request.inputs = *std::move(bound);
  if (flags->timeout != absl::InfiniteDuration()) request.deadline = absl::Now() + flags->timeout;
  auto progress = std::make_shared<ProgressPrinter>(err, flags->stream, loaded.workflow);
  request.observer = progress;

  err << "flowhost: running '" << loaded.workflow->name << "'\n";
  absl::Notification finished;
  executor::ExecutionRecord record;
  auto handle = host.executor().Start(std::move(request), [&](executor::ExecutionRecord result) {
    record = std::move(result);
    finished.Notify();
  });

  interrupted.store(false);
  auto previous_int = std::signal(SIGINT, OnInterrupt);
  auto previous_term = std::signal(SIGTERM, OnInterrupt);
  bool cancel_sent = false;
  while (!finished.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
    if (interrupted.load() && !cancel_sent) {
      err << "flowhost: interrupted; cancelling\n";
      handle->Cancel(absl::CancelledError("interrupted by signal"));
      cancel_sent = true;
    }
  }
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  host.SetWorkflowResolver(nullptr);

  progress->Finish();
  if (flags->record) err << record.ToJson().dump(2) << "\n";
  ExecutionTotals totals;
  totals.duration = record.duration();
  totals.items = static_cast<int64_t>(record.output.size());
  totals.prompt_tokens = record.prompt_tokens;
  totals.completion_tokens = record.completion_tokens;
  totals.cost_usd = record.cost_usd;
  if (!record.status.ok()) {
    err << ProgressRenderer::FailedLine(record.workflow, ExecutionStatusWord(record.status.code()),
                                        record.failed_node, record.failed_node_location,
                                        sdk::ErrorClassOf(record.status),
                                        std::string(record.status.message()))
        << "\n"
        << "flowhost: " << ProgressRenderer::Totals(totals) << "\n";
    return record.status.code() == absl::StatusCode::kInvalidArgument && record.nodes.empty()
               ? kExitInvalid
               : kExitFailed;
  }
  out << sdk::Json(record.output).dump(2) << "\n";
  err << ProgressRenderer::SucceededLine(record.workflow, totals) << "\n";
  return kExitOk;
}

}  // namespace flowhost::cli
