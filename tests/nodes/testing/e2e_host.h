// A real host for end-to-end node tests: the project's fake OpenRouter (a child process on a
// loopback port 0), the pooled CurlHttpClient on a ThreadPoolScheduler, a registry with the core,
// openrouter and router families, a credential `openrouter` pointing at the fake, a recording
// logger, and the real executor. Tests load YAML workflows and run them; waiting is on each
// execution's completion, with a generous timeout as the failure bound.
//
// Ownership: the host owns everything; destroying it cancels executions still running and waits for
// them before tearing down the executor, the HTTP client, the pool and the fake, in that order.
// Thread-safety: Load/Start/Run from the test thread; executions run on the pool.
#ifndef FLOWHOST_TESTS_NODES_TESTING_E2E_HOST_H_
#define FLOWHOST_TESTS_NODES_TESTING_E2E_HOST_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "flowhost/openrouter/client.h"
#include "server/common/thread_pool_scheduler.h"
#include "server/executor/executor.h"
#include "server/http/curl_http_client.h"
#include "server/registry/node_type_registry.h"
#include "server/workflow/workflow.h"
#include "tests/fake_openrouter/fake_process.h"
#include "tests/nodes/testing/fake_node_context.h"

namespace flowhost::node_testing {

// Collects what a streaming caller would see: token deltas per node, in arrival order.
class TokenCollector : public executor::ExecutionObserver {
 public:
  bool wants_tokens() const override { return true; }
  void OnTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                    std::string_view kind) override;
  // The deltas of `node` for `item`, in order.
  std::vector<std::string> Deltas(std::string_view node, size_t item = 0) const;

 private:
  struct Delta {
    std::string node;
    size_t item;
    std::string text;
  };
  mutable absl::Mutex mu_;
  std::vector<Delta> deltas_ ABSL_GUARDED_BY(mu_);
};

class E2eHost {
 public:
  struct Options {
    // The key the host's credential holds; empty: the fake's accepted key.
    std::string credential_key;
    int threads = 2;
    executor::ExecutionLimits limits;
    // Plugin libraries to load after the built-in families (plugin_loader.h).
    std::vector<std::string> plugins;
    // Registers more node types after those, given the host's pool and logger (remote node
    // types, whose hub runs on them). Called once, from Create.
    std::function<absl::Status(registry::NodeTypeRegistry& registry, sdk::Scheduler& scheduler,
                               sdk::Logger& logger)>
        register_more_nodes;
  };

  // An execution started with Start().
  struct Running {
    std::shared_ptr<executor::ExecutionHandle> handle;
    absl::Notification done;
    std::optional<executor::ExecutionRecord> record;  // set before `done` is notified
  };

  static absl::StatusOr<std::unique_ptr<E2eHost>> Create(Options options);
  static absl::StatusOr<std::unique_ptr<E2eHost>> Create() { return Create(Options()); }
  ~E2eHost();

  // Loads a workflow; INVALID_ARGUMENT with the formatted diagnostics when it does not load. A
  // loaded workflow can be run by name as a sub-workflow (execute_workflow) of later executions.
  absl::StatusOr<workflow::WorkflowPtr> Load(std::string_view yaml);

  std::shared_ptr<Running> Start(workflow::WorkflowPtr workflow, sdk::Json inputs,
                                 std::shared_ptr<executor::ExecutionObserver> observer = nullptr);
  // Waits for a started execution (DEADLINE_EXCEEDED after `timeout`, the failure bound).
  static absl::StatusOr<executor::ExecutionRecord> Wait(Running& running,
                                                        absl::Duration timeout = absl::Seconds(60));
  // Start + Wait.
  absl::StatusOr<executor::ExecutionRecord> Run(
      workflow::WorkflowPtr workflow, sdk::Json inputs = sdk::Json::object(),
      std::shared_ptr<executor::ExecutionObserver> observer = nullptr);

  fake_openrouter::FakeProcess& fake() { return *fake_; }
  http::CurlHttpClient& http() { return *http_; }
  RecordingLogger& logger() { return logger_; }
  const registry::NodeTypeRegistry& registry() const { return registry_; }
  nodes::openrouter::OpenRouterClient& openrouter() { return *openrouter_; }
  const std::string& credential_key() const { return credential_key_; }

 private:
  class Credentials;
  class LoadedWorkflows;
  E2eHost();

  std::unique_ptr<fake_openrouter::FakeProcess> fake_;
  std::string credential_key_;
  RecordingLogger logger_;
  std::unique_ptr<common::ThreadPoolScheduler> scheduler_;
  std::unique_ptr<http::CurlHttpClient> http_;
  std::unique_ptr<Credentials> credentials_;
  std::unique_ptr<LoadedWorkflows> workflows_;
  registry::NodeTypeRegistry registry_;
  std::shared_ptr<nodes::openrouter::OpenRouterClient> openrouter_;
  std::unique_ptr<executor::Executor> executor_;

  absl::Mutex mu_;
  std::vector<std::shared_ptr<Running>> running_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::node_testing

#endif  // FLOWHOST_TESTS_NODES_TESTING_E2E_HOST_H_
