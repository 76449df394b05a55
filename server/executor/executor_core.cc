#include "server/executor/executor_core.h"

#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/executor/execution.h"

namespace flowhost::executor {
namespace {

// Stands in when the host lends no HTTP client: every request fails, on the pool, as the SDK
// promises.
class UnavailableHttpClient : public sdk::HttpClient {
 public:
  explicit UnavailableHttpClient(sdk::Scheduler& scheduler) : scheduler_(scheduler) {}

  sdk::HttpCallPtr Send(sdk::HttpRequest request, sdk::HttpDone done) override {
    scheduler_.Post([done = std::move(done)]() mutable {
      done(absl::UnavailableError("this host has no HTTP client"));
    });
    return std::make_shared<NoCall>();
  }

 private:
  class NoCall : public sdk::HttpCall {
   public:
    void Cancel() override {}
  };
  sdk::Scheduler& scheduler_;
};

// The handle of a running execution; weak, so that a kept handle does not keep a finished
// execution.
class RunningHandle : public ExecutionHandle {
 public:
  RunningHandle(std::string id, std::weak_ptr<Execution> execution)
      : id_(std::move(id)), execution_(std::move(execution)) {}
  const std::string& id() const override { return id_; }
  void Cancel(absl::Status reason) override {
    if (auto execution = execution_.lock()) execution->Cancel(std::move(reason));
  }

 private:
  const std::string id_;
  const std::weak_ptr<Execution> execution_;
};

// The handle of a request that never started (bad inputs).
class FinishedHandle : public ExecutionHandle {
 public:
  explicit FinishedHandle(std::string id) : id_(std::move(id)) {}
  const std::string& id() const override { return id_; }
  void Cancel(absl::Status) override {}

 private:
  const std::string id_;
};

}  // namespace

ExecutorCore::ExecutorCore(const HostServices& services, const ExecutionLimits& limits)
    : services_(services),
      limits_(limits),
      total_items_(limits.max_total_item_bytes, "all executions together", "max_total_item_bytes") {
  for (const auto& [name, value] : services_.env) env_.emplace(name, sdk::Json(value));
  if (services_.http == nullptr) {
    unavailable_http_ = std::make_unique<UnavailableHttpClient>(*services_.scheduler);
  }
  std::random_device random;
  id_prefix_ = absl::StrFormat("%08x", random());
}

ExecutorCore::~ExecutorCore() = default;

sdk::HttpClient& ExecutorCore::http() const {
  return services_.http != nullptr ? *services_.http : *unavailable_http_;
}

const sdk::Json* ExecutorCore::env(std::string_view name) const {
  auto it = env_.find(name);
  return it == env_.end() ? nullptr : &it->second;
}

double ExecutorCore::UnitRandom() const {
  if (services_.unit_random) return services_.unit_random();
  thread_local std::mt19937_64 engine(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

std::string ExecutorCore::NewExecutionId() {
  return absl::StrCat("ex-", id_prefix_, "-", next_id_.fetch_add(1, std::memory_order_relaxed) + 1);
}

std::shared_ptr<ExecutionHandle> ExecutorCore::Start(ExecutionRequest request, Executor::Done done,
                                                     const ParentLink* parent) {
  absl::Time now = scheduler().clock().Now();
  std::string id = request.id.empty() ? NewExecutionId() : std::move(request.id);
  common::TraceContext trace = common::TraceContext::FromHeader(request.traceparent);
  auto reject = [&](absl::Status status) -> std::shared_ptr<ExecutionHandle> {
    ExecutionRecord record;
    record.id = id;
    record.trace_id = trace.trace_id;
    record.workflow = request.workflow != nullptr ? request.workflow->name : "";
    record.status = std::move(status);
    record.started_at = record.finished_at = now;
    scheduler().Post([done = std::move(done), record = std::move(record)]() mutable {
      done(std::move(record));
    });
    return std::make_shared<FinishedHandle>(id);
  };
  if (request.workflow == nullptr) return reject(absl::InvalidArgumentError("no workflow to run"));
  absl::StatusOr<sdk::Json> inputs = workflow::BindInputs(*request.workflow, request.inputs);
  if (!inputs.ok()) return reject(inputs.status());

  Execution::Setup setup;
  setup.workflow = std::move(request.workflow);
  setup.inputs = *std::move(inputs);
  setup.id = id;
  setup.started_at = now;
  setup.observer = std::move(request.observer);
  setup.done = std::move(done);
  setup.start_on_caller_thread = request.start_on_caller_thread;
  setup.trace = std::move(trace);
  setup.reused_outputs = std::move(request.reused_outputs);
  setup.durable_timers = std::move(request.durable_timers);
  setup.park = std::move(request.park);
  setup.before_next_nodes = std::move(request.before_next_nodes);
  setup.items = parent != nullptr ? parent->items
                                  : std::make_shared<ItemBudget>(
                                        limits_.max_execution_item_bytes, "the execution",
                                        "max_execution_item_bytes", &total_items_);
  // A workflow's own max_cost_usd is a budget within its parent's; without one it spends from the
  // parent's (or has none).
  setup.cost = parent != nullptr ? parent->cost : nullptr;
  if (setup.workflow->max_cost_usd.has_value()) {
    setup.cost = std::make_shared<CostBudget>(*setup.workflow->max_cost_usd, setup.workflow->name,
                                              std::move(setup.cost));
  }
  setup.deadline = request.deadline;
  setup.arm_deadline = true;
  setup.deadline_error = absl::DeadlineExceededError("the execution's deadline passed");
  absl::Time limit = now + limits_.max_execution_time;
  if (limit < setup.deadline) {
    setup.deadline = limit;
    setup.deadline_error = absl::DeadlineExceededError(
        absl::StrCat("the execution ran longer than max_execution_time (",
                     absl::FormatDuration(limits_.max_execution_time), ")"));
  }
  if (parent != nullptr) {
    setup.parent = *parent;
    if (parent->token.deadline() <= setup.deadline) {
      setup.deadline = parent->token.deadline();
      setup.arm_deadline = false;
    }
  }
  auto execution = std::make_shared<Execution>(shared_from_this(), std::move(setup));
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  execution->Begin();
  return std::make_shared<RunningHandle>(id, execution);
}

}  // namespace flowhost::executor
