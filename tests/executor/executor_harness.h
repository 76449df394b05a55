// A deterministic host for executor tests: a manual clock and scheduler (nothing runs until the
// test says so, time moves only when it advances), a registry with the core nodes and the test
// nodes, a workflow resolver for sub-workflows, and helpers to load YAML and run executions.
//
// Thread-safety: single-threaded, like the ManualScheduler it drives.
#ifndef FLOWHOST_TESTS_EXECUTOR_EXECUTOR_HARNESS_H_
#define FLOWHOST_TESTS_EXECUTOR_EXECUTOR_HARNESS_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/common/clocks.h"
#include "server/common/manual_scheduler.h"
#include "server/executor/executor.h"
#include "server/registry/node_type_registry.h"
#include "server/workflow/workflow.h"
#include "tests/common/recording_logger.h"
#include "tests/executor/test_nodes.h"

namespace flowhost::executor::testing {

// Resolves workflows by name from a map the test fills.
class MapResolver : public WorkflowResolver {
 public:
  void Add(workflow::WorkflowPtr workflow) { workflows_[workflow->name] = std::move(workflow); }
  workflow::WorkflowPtr Find(std::string_view name) const override {
    auto it = workflows_.find(name);
    return it == workflows_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::string, workflow::WorkflowPtr, std::less<>> workflows_;
};

// Credentials from a map the test fills: name -> secret (attributes empty). Unknown names are
// NOT_FOUND, as in the host's store.
class MapCredentialStore : public CredentialStore {
 public:
  void Add(std::string name, std::string secret) { secrets_[std::move(name)] = std::move(secret); }
  absl::StatusOr<sdk::Credential> Get(std::string_view name) const override;

 private:
  std::map<std::string, std::string, std::less<>> secrets_;
};

using ::flowhost::testing::RecordingLogger;

// Records the observer's events in order, as text ("started a 1", "finished a succeeded",
// "token a 0 hello").
class RecordingObserver : public ExecutionObserver {
 public:
  void OnNodeStarted(std::string_view node, int attempt) override;
  void OnNodeFinished(const NodeRecord& record) override;
  bool wants_tokens() const override { return true; }
  void OnTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                    std::string_view kind) override;
  std::vector<std::string> events() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
};

// One execution started by the harness.
struct StartedRun {
  std::shared_ptr<ExecutionHandle> handle;
  std::optional<ExecutionRecord> record;  // set once `done` has run
  bool finished() const { return record.has_value(); }
};

class ExecutorHarness {
 public:
  explicit ExecutorHarness(
      ExecutionLimits limits = {}, std::function<double()> unit_random = [] { return 0.5; },
      std::map<std::string, std::string, std::less<>> env = {});
  ~ExecutorHarness();

  // Loads `yaml`; fails the test (and returns null) on any diagnostic error.
  workflow::WorkflowPtr Load(std::string_view yaml);
  // Loads `yaml` and makes it available to execute_workflow by its name.
  workflow::WorkflowPtr AddWorkflow(std::string_view yaml);

  // Starts an execution; nothing runs until the scheduler does.
  std::shared_ptr<StartedRun> Start(workflow::WorkflowPtr workflow,
                                    sdk::Json inputs = sdk::Json::object(),
                                    absl::Time deadline = absl::InfiniteFuture(),
                                    std::shared_ptr<ExecutionObserver> observer = nullptr);
  // Starts an execution and runs until it finishes, advancing the clock timer by timer (at most
  // `max_timers` of them). Fails the test if it does not finish.
  ExecutionRecord RunToEnd(workflow::WorkflowPtr workflow, sdk::Json inputs = sdk::Json::object(),
                           int max_timers = 1000);
  // Runs everything that is due without moving the clock.
  void Settle() { scheduler.RunUntilIdle(); }

  common::ManualClock clock;
  common::ManualScheduler scheduler{&clock};
  std::shared_ptr<TestNodeState> nodes = std::make_shared<TestNodeState>();
  registry::NodeTypeRegistry registry;
  MapResolver resolver;
  MapCredentialStore credentials;
  RecordingLogger logger;
  std::unique_ptr<Executor> executor;
};

// The record of node `name`, or a failed test.
const NodeRecord& NodeOf(const ExecutionRecord& record, std::string_view name);

// A status's message as a std::string, for matchers such as HasSubstr.
inline std::string Message(const absl::Status& status) { return std::string(status.message()); }

}  // namespace flowhost::executor::testing

#endif  // FLOWHOST_TESTS_EXECUTOR_EXECUTOR_HARNESS_H_
