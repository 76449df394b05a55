#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "flowhost/sdk/duration.h"
#include "flowhost/sdk/error.h"
#include "server/cli/commands.h"
#include "server/cli/sibling_workflows.h"
#include "server/config/host_config.h"
#include "server/runtime/runtime.h"

namespace flowhost::cli {
namespace {

std::atomic<bool> interrupted{false};

void OnInterrupt(int) { interrupted.store(true); }

// Writes progress lines to stderr as the execution runs; token deltas too with --stream.
class ProgressPrinter : public executor::ExecutionObserver {
 public:
  ProgressPrinter(std::ostream& err, bool stream) : err_(err), stream_(stream) {}

  void OnNodeStarted(std::string_view node, int attempt) override {
    absl::MutexLock lock(&mu_);
    EndTokenLine();
    err_ << "  " << node << ": started";
    if (attempt > 1) err_ << " (attempt " << attempt << ")";
    err_ << "\n";
  }

  void OnNodeFinished(const executor::NodeRecord& record) override {
    absl::MutexLock lock(&mu_);
    EndTokenLine();
    err_ << "  " << record.name << ": " << executor::NodeStatusName(record.status);
    if (record.status == executor::NodeStatus::kSucceeded ||
        record.status == executor::NodeStatus::kFailed) {
      err_ << absl::StrFormat(", %d item(s) in %.0f ms", record.items_out,
                              absl::ToDoubleMilliseconds(record.duration()));
    }
    if (record.attempts > 1) err_ << ", " << record.attempts << " attempts";
    if (!record.model.empty()) err_ << ", model " << record.model;
    if (record.cost_usd > 0) err_ << absl::StrFormat(", $%.6f", record.cost_usd);
    if (!record.error.ok()) {
      err_ << "\n    " << sdk::ErrorClassOf(record.error) << ": " << record.error.message();
    }
    err_ << "\n";
  }

  bool wants_tokens() const override { return stream_; }

  void OnTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                    std::string_view kind) override {
    if (kind != "content") return;
    absl::MutexLock lock(&mu_);
    if (!in_token_line_) err_ << "  " << node << "[" << item_index << "] > ";
    in_token_line_ = true;
    err_ << text;
    err_.flush();
  }

 private:
  void EndTokenLine() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (in_token_line_) err_ << "\n";
    in_token_line_ = false;
  }

  std::ostream& err_;
  const bool stream_;
  absl::Mutex mu_;
  bool in_token_line_ ABSL_GUARDED_BY(mu_) = false;
};

// Reads --input's value: JSON text, or @FILE for a file holding it.
absl::StatusOr<sdk::Json> ReadInput(const std::string& value) {
  std::string text = value;
  if (!value.empty() && value[0] == '@') {
    std::ifstream file(value.substr(1));
    if (!file) return absl::NotFoundError("cannot read input file '" + value.substr(1) + "'");
    std::stringstream buffer;
    buffer << file.rdbuf();
    text = buffer.str();
  }
  sdk::Json input = sdk::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) {
    return absl::InvalidArgumentError("--input is not valid JSON: " +
                                      (text.size() > 60 ? text.substr(0, 60) + "..." : text));
  }
  if (!input.is_object()) return absl::InvalidArgumentError("--input must be a JSON object");
  return input;
}

struct RunFlags {
  std::string file;
  std::string input = "{}";
  std::string workflows_dir;
  bool stream = false;
  bool record = false;
  absl::Duration timeout = absl::InfiniteDuration();
};

constexpr char kRunUsage[] =
    "usage: flowhost run FILE [--input JSON|@FILE] [--workflows DIR] [--config FILE] [--stream]\n"
    "                         [--record] [--timeout DURATION]\n";

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
  config::ConfigSources sources;
  // The CLI is quieter than the service: warnings and errors only, unless configured otherwise.
  config::GetEnvFunction process_env = config::ProcessEnvironment();
  sources.getenv = [process_env](const std::string& name) -> std::optional<std::string> {
    std::optional<std::string> value = process_env(name);
    if (!value && name == "FLOWHOST_LOG_LEVEL") return "warning";
    return value;
  };
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
  auto input = ReadInput(flags->input);
  if (!input.ok()) {
    err << "flowhost run: " << input.status().message() << "\n";
    return kExitInvalid;
  }

  runtime::RuntimeOptions options;
  options.config = *std::move(config);
  options.getenv = sources.getenv;
  auto runtime = runtime::Runtime::Create(std::move(options));
  if (!runtime.ok()) {
    err << "flowhost run: " << runtime.status().message() << "\n";
    return kExitInvalid;
  }
  runtime::Runtime& host = **runtime;

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
  host.SetWorkflowResolver(&siblings);

  executor::ExecutionRequest request;
  request.workflow = loaded.workflow;
  request.inputs = *std::move(bound);
  if (flags->timeout != absl::InfiniteDuration()) request.deadline = absl::Now() + flags->timeout;
  request.observer = std::make_shared<ProgressPrinter>(err, flags->stream);

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

  if (flags->record) err << record.ToJson().dump(2) << "\n";
  std::string totals = absl::StrFormat(
      "%.0f ms, %d item(s), %d+%d tokens, $%.6f", absl::ToDoubleMilliseconds(record.duration()),
      record.output.size(), record.prompt_tokens, record.completion_tokens, record.cost_usd);
  if (!record.status.ok()) {
    err << "flowhost: '" << record.workflow << "' failed"
        << (record.failed_node.empty() ? "" : " at node '" + record.failed_node + "'") << " ("
        << sdk::ErrorClassOf(record.status) << "): " << record.status.message() << "\n"
        << "flowhost: " << totals << "\n";
    return record.status.code() == absl::StatusCode::kInvalidArgument && record.nodes.empty()
               ? kExitInvalid
               : kExitFailed;
  }
  out << sdk::Json(record.output).dump(2) << "\n";
  err << "flowhost: '" << record.workflow << "' succeeded: " << totals << "\n";
  return kExitOk;
}

}  // namespace flowhost::cli
