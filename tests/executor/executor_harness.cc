#include "tests/executor/executor_harness.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "gtest/gtest.h"
#include "nodes/core/core_nodes.h"
#include "server/workflow/loader.h"
#include "tests/executor/credential_nodes.h"
#include "tests/executor/throwing_nodes.h"

namespace flowhost::executor::testing {

void RecordingObserver::OnNodeStarted(std::string_view node, int attempt) {
  absl::MutexLock lock(&mu_);
  events_.push_back(absl::StrCat("started ", sdk::AsAbsl(node), " ", attempt));
}

void RecordingObserver::OnNodeFinished(const NodeRecord& record) {
  absl::MutexLock lock(&mu_);
  events_.push_back(
      absl::StrCat("finished ", record.name, " ", sdk::AsAbsl(NodeStatusName(record.status))));
}

void RecordingObserver::OnTokenDelta(std::string_view node, size_t item_index,
                                     std::string_view text, std::string_view kind) {
  absl::MutexLock lock(&mu_);
  events_.push_back(
      absl::StrCat("token ", sdk::AsAbsl(node), " ", item_index, " ", sdk::AsAbsl(text)));
}

std::vector<std::string> RecordingObserver::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

absl::StatusOr<sdk::Credential> MapCredentialStore::Get(std::string_view name) const {
  auto it = secrets_.find(name);
  if (it == secrets_.end()) {
    return absl::NotFoundError(absl::StrCat("no credential named '", sdk::AsAbsl(name), "'"));
  }
  return sdk::Credential{.name = it->first, .secret = sdk::Secret(it->second)};
}

ExecutorHarness::ExecutorHarness(ExecutionLimits limits, std::function<double()> unit_random,
                                 std::map<std::string, std::string, std::less<>> env) {
  EXPECT_TRUE(nodes::core::RegisterCoreNodes(registry).ok());
  EXPECT_TRUE(RegisterTestNodes(registry, nodes).ok());
  EXPECT_TRUE(RegisterThrowingNodes(registry).ok());
  EXPECT_TRUE(RegisterCredentialNodes(registry).ok());
  HostServices services;
  services.scheduler = &scheduler;
  services.workflows = &resolver;
  services.credentials = &credentials;
  services.logger = &logger;
  services.env = std::move(env);
  services.unit_random = std::move(unit_random);
  executor = std::make_unique<Executor>(std::move(services), limits);
}

ExecutorHarness::~ExecutorHarness() {
  // Whatever a test left parked or scheduled is dropped before the executor goes.
  scheduler.RunUntilIdle();
}

workflow::WorkflowPtr ExecutorHarness::Load(std::string_view yaml) {
  workflow::LoadResult result = workflow::LoadWorkflow("<test>", yaml, registry);
  if (!result.ok()) {
    ADD_FAILURE() << "the workflow does not load:\n"
                  << workflow::FormatDiagnostics(result.diagnostics);
  }
  return result.workflow;
}

workflow::WorkflowPtr ExecutorHarness::AddWorkflow(std::string_view yaml) {
  workflow::WorkflowPtr workflow = Load(yaml);
  if (workflow != nullptr) resolver.Add(workflow);
  return workflow;
}

std::shared_ptr<StartedRun> ExecutorHarness::Start(workflow::WorkflowPtr workflow, sdk::Json inputs,
                                                   absl::Time deadline,
                                                   std::shared_ptr<ExecutionObserver> observer) {
  auto run = std::make_shared<StartedRun>();
  ExecutionRequest request;
  request.workflow = std::move(workflow);
  request.inputs = std::move(inputs);
  request.deadline = deadline;
  request.observer = std::move(observer);
  run->handle = executor->Start(std::move(request),
                                [run](ExecutionRecord record) { run->record = std::move(record); });
  return run;
}

ExecutionRecord ExecutorHarness::RunToEnd(workflow::WorkflowPtr workflow, sdk::Json inputs,
                                          int max_timers) {
  std::shared_ptr<StartedRun> run = Start(std::move(workflow), std::move(inputs));
  scheduler.RunUntilIdle();
  for (int i = 0; i < max_timers && !run->finished(); ++i) {
    if (!scheduler.AdvanceToNextTimer()) break;
  }
  if (!run->finished()) {
    ADD_FAILURE() << "the execution did not finish";
    return ExecutionRecord{};
  }
  return *run->record;
}

const NodeRecord& NodeOf(const ExecutionRecord& record, std::string_view name) {
  for (const NodeRecord& node : record.nodes) {
    if (node.name == name) return node;
  }
  ADD_FAILURE() << "no node record named " << name;
  static const NodeRecord* const kMissing = new NodeRecord();
  return *kMissing;
}

}  // namespace flowhost::executor::testing
