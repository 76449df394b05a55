#include "tests/nodes/testing/e2e_host.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "nodes/core/core_nodes.h"
#include "nodes/openrouter/openrouter_nodes.h"
#include "nodes/router/router_nodes.h"
#include "server/plugins/plugin_loader.h"
#include "server/workflow/loader.h"

namespace flowhost::node_testing {

void TokenCollector::OnTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                                  std::string_view kind) {
  absl::MutexLock lock(&mu_);
  deltas_.push_back({std::string(node), item_index, std::string(text)});
}

std::vector<std::string> TokenCollector::Deltas(std::string_view node, size_t item) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const Delta& delta : deltas_) {
    if (delta.node == node && delta.item == item) out.push_back(delta.text);
  }
  return out;
}

// Every workflow the test loaded, by name (the latest of a name wins).
class E2eHost::LoadedWorkflows : public executor::WorkflowResolver {
 public:
  void Add(workflow::WorkflowPtr workflow) {
    absl::MutexLock lock(&mu_);
    by_name_[workflow->name] = std::move(workflow);
  }
  workflow::WorkflowPtr Find(std::string_view name) const override {
    absl::MutexLock lock(&mu_);
    auto it = by_name_.find(name);
    return it != by_name_.end() ? it->second : nullptr;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, workflow::WorkflowPtr, std::less<>> by_name_ ABSL_GUARDED_BY(mu_);
};

// The one credential, `openrouter`, pointing at the fake.
class E2eHost::Credentials : public executor::CredentialStore {
 public:
  explicit Credentials(sdk::Credential credential) : credential_(std::move(credential)) {}
  absl::StatusOr<sdk::Credential> Get(std::string_view name) const override {
    if (name != credential_.name) {
      return absl::NotFoundError(absl::StrCat("no credential named '", sdk::AsAbsl(name), "'"));
    }
    return credential_;
  }

 private:
  sdk::Credential credential_;
};

absl::StatusOr<std::unique_ptr<E2eHost>> E2eHost::Create(Options options) {
  std::unique_ptr<E2eHost> host(new E2eHost());
  absl::StatusOr<std::unique_ptr<fake_openrouter::FakeProcess>> fake =
      fake_openrouter::FakeProcess::Start();
  if (!fake.ok()) return fake.status();
  host->fake_ = *std::move(fake);
  host->credential_key_ =
      options.credential_key.empty() ? host->fake_->api_key() : options.credential_key;

  sdk::Credential credential;
  credential.name = "openrouter";
  credential.secret = sdk::Secret(host->credential_key_);
  credential.attributes = {{"base_url", host->fake_->base_url()},
                           {"http_referer", "https://flowhost.test"},
                           {"app_title", "flowhost e2e"}};
  host->credentials_ = std::make_unique<Credentials>(std::move(credential));

  host->scheduler_ = std::make_unique<common::ThreadPoolScheduler>(options.threads);
  host->http_ = std::make_unique<http::CurlHttpClient>(*host->scheduler_);
  host->openrouter_ = std::make_shared<nodes::openrouter::OpenRouterClient>();
  if (absl::Status s = nodes::core::RegisterCoreNodes(host->registry_); !s.ok()) return s;
  if (absl::Status s =
          nodes::openrouter::RegisterOpenRouterNodes(host->registry_, host->openrouter_);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = nodes::router::RegisterRouterNodes(host->registry_, host->openrouter_);
      !s.ok()) {
    return s;
  }
  if (auto loaded = plugins::LoadPlugins(options.plugins, host->registry_); !loaded.ok()) {
    return loaded.status();
  }
  if (options.register_more_nodes) {
    if (absl::Status s = options.register_more_nodes(host->registry_, *host->scheduler_,
                                                     host->logger_);
        !s.ok()) {
      return s;
    }
  }

  executor::HostServices services;
  services.scheduler = host->scheduler_.get();
  services.http = host->http_.get();
  services.credentials = host->credentials_.get();
  services.logger = &host->logger_;
  services.workflows = host->workflows_.get();
  host->executor_ = std::make_unique<executor::Executor>(std::move(services), options.limits);
  return host;
}

E2eHost::E2eHost() : workflows_(std::make_unique<LoadedWorkflows>()) {}

E2eHost::~E2eHost() {
  std::vector<std::shared_ptr<Running>> running;
  {
    absl::MutexLock lock(&mu_);
    running.swap(running_);
  }
  for (auto& r : running) {
    if (!r->done.HasBeenNotified()) r->handle->Cancel(absl::CancelledError("test host shutdown"));
  }
  for (auto& r : running) r->done.WaitForNotificationWithTimeout(absl::Seconds(30));
  executor_.reset();
  http_.reset();
  scheduler_.reset();
  fake_.reset();
}

absl::StatusOr<workflow::WorkflowPtr> E2eHost::Load(std::string_view yaml) {
  workflow::LoadResult result = workflow::LoadWorkflow("<test>", yaml, registry_);
  if (!result.ok()) {
    return absl::InvalidArgumentError(workflow::FormatDiagnostics(result.diagnostics));
  }
  workflows_->Add(result.workflow);
  return result.workflow;
}

std::shared_ptr<E2eHost::Running> E2eHost::Start(
    workflow::WorkflowPtr workflow, sdk::Json inputs,
    std::shared_ptr<executor::ExecutionObserver> observer) {
  auto running = std::make_shared<Running>();
  {
    absl::MutexLock lock(&mu_);
    running_.push_back(running);
  }
  executor::ExecutionRequest request;
  request.workflow = std::move(workflow);
  request.inputs = std::move(inputs);
  request.observer = std::move(observer);
  running->handle =
      executor_->Start(std::move(request), [running](executor::ExecutionRecord record) {
        running->record = std::move(record);
        running->done.Notify();
      });
  return running;
}

absl::StatusOr<executor::ExecutionRecord> E2eHost::Wait(Running& running, absl::Duration timeout) {
  if (!running.done.WaitForNotificationWithTimeout(timeout)) {
    return absl::DeadlineExceededError("the execution did not finish in time");
  }
  return *running.record;
}

absl::StatusOr<executor::ExecutionRecord> E2eHost::Run(
    workflow::WorkflowPtr workflow, sdk::Json inputs,
    std::shared_ptr<executor::ExecutionObserver> observer) {
  std::shared_ptr<Running> running =
      Start(std::move(workflow), std::move(inputs), std::move(observer));
  return Wait(*running);
}

}  // namespace flowhost::node_testing
