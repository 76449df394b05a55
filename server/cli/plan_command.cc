// `flowhost plan FILE`: what a workflow could cost, from the model catalogue, without running it
// (cost_plan.h says how the figures are reached).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "flowhost/openrouter/client.h"
#include "server/cli/cli_host.h"
#include "server/cli/commands.h"
#include "server/cli/verb_config.h"
#include "server/cli/cost_plan.h"
#include "server/cli/offline_upstream.h"
#include "server/cli/sibling_workflows.h"
#include "server/config/host_config.h"
#include "server/runtime/runtime.h"

namespace flowhost::cli {
namespace {

using nodes::openrouter::Catalogue;
using nodes::openrouter::CataloguePtr;

constexpr char kPlanUsage[] =
    "usage: flowhost plan FILE [--catalogue FILE | --offline] [--prompt-tokens N]\n"
    "                          [--answer-tokens N] [--workflows DIR] [--json] [--config FILE]\n";

constexpr char kPlanHelp[] =
    "\n"
    "Prints what the workflow in FILE could cost per item, from the model catalogue's prices,\n"
    "without running anything: each paid node, each path through the graph, every node once, and\n"
    "the workflow's max_cost_usd. Two figures each:\n"
    "  expected  each node runs once and a router's first route answers, with prompts of\n"
    "            --prompt-tokens and answers of --answer-tokens (or max_tokens when smaller)\n"
    "  worst     every retry and every router route is paid for, each answer as long as its cap\n"
    "            (max_tokens, else the model's completion limit)\n"
    "\n"
    "  --catalogue FILE    an OpenRouter /models answer saved to a file\n"
    "  --offline           the catalogue of the bundled fake OpenRouter (docs/cli.md)\n"
    "                      without either: GET /models at the `openrouter` credential's base_url\n"
    "  --prompt-tokens N   the assumed prompt of every call (default 1000)\n"
    "  --answer-tokens N   the assumed answer of an expected call (default 500)\n"
    "  --workflows DIR     where execute_workflow's workflows are (default: FILE's directory)\n"
    "  --json              the plan as JSON on stdout\n"
    "  --config FILE, --SETTING VALUE\n"
    "                      the host configuration, as for serve (flowhost serve --help)\n"
    "\n"
    "Exit codes: 0 planned, 1 the catalogue could not be fetched, 2 invalid workflow or usage.\n";

struct PlanFlags {
  std::string file;
  std::string catalogue_file;
  std::string workflows_dir;
  bool offline = false;
  bool json = false;
  PlanAssumptions assumptions;
};

absl::StatusOr<PlanFlags> ParsePlanFlags(const Args& args) {
  PlanFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> absl::StatusOr<std::string> {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(arg + " needs a value");
      return args[++i];
    };
    auto tokens = [&](int64_t& into) -> absl::Status {
      absl::StatusOr<std::string> text = value();
      if (!text.ok()) return text.status();
      if (!absl::SimpleAtoi(*text, &into) || into < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(arg, " takes a number of tokens (0 or more), got '", *text, "'"));
      }
      return absl::OkStatus();
    };
    absl::Status status;
    if (arg == "--catalogue") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      flags.catalogue_file = *v;
    } else if (arg == "--workflows") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      flags.workflows_dir = *v;
    } else if (arg == "--prompt-tokens") {
      status = tokens(flags.assumptions.prompt_tokens);
    } else if (arg == "--answer-tokens") {
      status = tokens(flags.assumptions.answer_tokens);
    } else if (arg == "--offline") {
      flags.offline = true;
    } else if (arg == "--json") {
      flags.json = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return absl::InvalidArgumentError("unknown flag '" + arg + "'");
    } else if (flags.file.empty()) {
      flags.file = arg;
    } else {
      return absl::InvalidArgumentError("one workflow file at a time (got '" + flags.file +
                                        "' and '" + arg + "')");
    }
    if (!status.ok()) return status;
  }
  if (flags.file.empty()) return absl::InvalidArgumentError("missing the workflow FILE");
  if (flags.offline && !flags.catalogue_file.empty()) {
    return absl::InvalidArgumentError("--catalogue and --offline are two sources; pick one");
  }
  return flags;
}

absl::StatusOr<CataloguePtr> ReadCatalogue(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read the catalogue '", path, "'"));
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<CataloguePtr> catalogue = Catalogue::Parse(text.str(), absl::Now());
  if (!catalogue.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("catalogue '", path, "': ", catalogue.status().message()));
  }
  return catalogue;
}

// GET /models at the `openrouter` credential's endpoint, through the host's HTTP client.
absl::StatusOr<CataloguePtr> FetchCatalogue(runtime::Runtime& host) {
  absl::StatusOr<sdk::Credential> credential = host.credentials().Get("openrouter");
  if (!credential.ok()) return credential.status();
  absl::StatusOr<nodes::openrouter::Endpoint> endpoint =
      nodes::openrouter::EndpointFromCredential(*credential);
  if (!endpoint.ok()) return endpoint.status();
  nodes::openrouter::OpenRouterClient client;
  absl::Notification fetched;
  absl::StatusOr<CataloguePtr> result = absl::UnknownError("no answer");
  client.GetCatalogue(*endpoint, host.http(), host.scheduler().clock(),
                      [&](absl::StatusOr<CataloguePtr> catalogue) {
                        result = std::move(catalogue);
                        fetched.Notify();
                      });
  if (!fetched.WaitForNotificationWithTimeout(absl::Minutes(2))) {
    return absl::DeadlineExceededError("the catalogue did not arrive within 2 minutes");
  }
  return result;
}

}  // namespace

int PlanCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kPlanUsage << kPlanHelp;
    return kExitOk;
  }
  config::ConfigSources sources = QuietCliSources();
  auto rest = config::ExtractConfigFlags(args, sources);
  if (!rest.ok()) {
    err << "flowhost plan: " << rest.status().message() << "\n" << kPlanUsage;
    return kExitInvalid;
  }
  absl::StatusOr<PlanFlags> flags = ParsePlanFlags(*rest);
  if (!flags.ok()) {
    err << "flowhost plan: " << flags.status().message() << "\n" << kPlanUsage;
    return kExitInvalid;
  }
  auto config = config::LoadHostConfig(sources);
  if (!config.ok()) {
    err << "flowhost plan: configuration: " << config.status().message() << "\n";
    return kExitInvalid;
  }
  CliHost cli_host;
  if (int code = StartCliHost("plan", *std::move(config), sources, flags->offline,
                              /*announce_offline=*/false, err, cli_host);
      code != kExitOk) {
    return code;
  }
  runtime::Runtime& host = *cli_host.runtime;

  workflow::LoadResult loaded =
      workflow::LoadWorkflowFile(flags->file, host.registry(), host.load_limits());
  if (!loaded.diagnostics.empty()) err << workflow::FormatDiagnostics(loaded.diagnostics);
  if (!loaded.ok()) return kExitInvalid;

  absl::StatusOr<CataloguePtr> catalogue =
      flags->catalogue_file.empty() ? FetchCatalogue(host) : ReadCatalogue(flags->catalogue_file);
  if (!catalogue.ok()) {
    err << "flowhost plan: the model catalogue: " << catalogue.status().message() << "\n";
    return catalogue.status().code() == absl::StatusCode::kInvalidArgument ? kExitInvalid
                                                                           : kExitFailed;
  }

  std::string directory = flags->workflows_dir.empty()
                              ? std::filesystem::path(flags->file).parent_path().string()
                              : flags->workflows_dir;
  SiblingWorkflows siblings(directory.empty() ? "." : directory, host.registry(),
                            host.load_limits(), err);
  siblings.Add(loaded.workflow);
  CostPlan plan = PlanCosts(*loaded.workflow, **catalogue, flags->assumptions,
                            [&siblings](std::string_view name) { return siblings.Find(name); });
  if (flags->json) {
    sdk::Json json = plan.ToJson();
    json["assumptions"] = {{"prompt_tokens", flags->assumptions.prompt_tokens},
                           {"answer_tokens", flags->assumptions.answer_tokens}};
    out << json.dump(2) << "\n";
  } else {
    out << FormatCostPlan(plan, flags->assumptions);
  }
  return kExitOk;
}

}  // namespace flowhost::cli
