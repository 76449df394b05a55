// Micro-benchmark of what the plugin boundary costs per node execution: the same core node type,
// built in (RegisterCoreNodes) and loaded from libflowhost_core_plugin.so through the plugin loader,
// run side by side on the same context and items. The plugin path adds the C ABI's work: an
// execution token, the inputs and outputs (and, for `set`, each item's parameters) as JSON text
// each way, and the C++ layer's context in the plugin. The parameters hold no expression, so the
// plugin reads them once at create (ABI 1.1), as in a workflow.
//
//   noop  passes one small item through: Execute, inputs, done
//   set   adds a field to one small item: the same, plus one ForItem (parameters) per item
//
// Run from an optimised build, medians of repeated runs (the machine is shared):
//   build/release/bench/micro/plugin_call_bench --benchmark_repetitions=9
//       --benchmark_report_aggregates_only=true
// The figure that matters is plugin minus built-in per node; issue 13's target is at most 1 us.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "benchmark/benchmark.h"
#include "flowhost/sdk/node_context.h"
#include "nodes/core/core_nodes.h"
#include "server/plugins/plugin_loader.h"
#include "server/registry/node_type_registry.h"

namespace flowhost {
namespace {

using sdk::Json;

// The least NodeContext a core node needs: fixed inputs and parameters, nothing else.
class BenchContext : public sdk::NodeContext, private sdk::Parameters {
 public:
  BenchContext(std::vector<sdk::Items> inputs, Json params)
      : inputs_(std::move(inputs)), params_(std::move(params)) {}
  const std::string& node_name() const override { return name_; }
  const sdk::ExecutionInfo& execution() const override { return info_; }
  int attempt() const override { return 1; }
  const std::vector<sdk::Items>& inputs() const override { return inputs_; }
  const sdk::Parameters& params() const override { return *this; }
  absl::StatusOr<sdk::Credential> credential(std::string_view) const override {
    return absl::NotFoundError("none");
  }
  sdk::HttpClient& http() override { std::abort(); }
  sdk::Scheduler& scheduler() override { std::abort(); }
  sdk::Logger& logger() override { std::abort(); }
  const sdk::CancellationToken& cancellation() const override { return token_; }
  sdk::EventSink& events() override { std::abort(); }
  void RecordAttempt(const sdk::AttemptRecord&) override {}
  void RunWorkflow(std::string_view, Json, absl::AnyInvocable<void(absl::StatusOr<sdk::Items>)>)
      override {}
  void InvokeNode(std::string_view, sdk::Items,
                  absl::AnyInvocable<void(absl::StatusOr<sdk::NodeResult>)>) override {}

 private:
  absl::StatusOr<Json> ForItem(size_t) const override { return params_; }
  absl::StatusOr<Json> EvaluateDeferred(std::string_view, size_t, const Json&) const override {
    return absl::NotFoundError("none");
  }

  const std::string name_ = "node";
  const sdk::ExecutionInfo info_;
  const std::vector<sdk::Items> inputs_;
  const Json params_;
  const sdk::CancellationToken token_;
};

class Config : public sdk::NodeConfig {
 public:
  explicit Config(Json params) : params_(std::move(params)) {}
  const std::string& name() const override { return name_; }
  const Json& params() const override { return params_; }
  bool IsDynamic(std::string_view) const override { return false; }
  // As the workflow compiler says of parameters without expressions (ABI 1.1).
  bool ParamsAreFixed() const override { return true; }
  void Error(std::string_view, std::string_view) override { std::abort(); }
  void Warning(std::string_view, std::string_view) override {}

 private:
  const std::string name_ = "node";
  const Json params_;
};

// The registries: built in, and loaded from the core family's plugin library.
const registry::NodeTypeRegistry& Registry(bool plugin) {
  static registry::NodeTypeRegistry* builtin = [] {
    auto* r = new registry::NodeTypeRegistry();
    if (!nodes::core::RegisterCoreNodes(*r).ok()) std::abort();
    return r;
  }();
  static registry::NodeTypeRegistry* loaded = [] {
    auto* r = new registry::NodeTypeRegistry();
    if (!plugins::LoadPlugin(FLOWHOST_CORE_PLUGIN, *r).ok()) std::abort();
    return r;
  }();
  return plugin ? *loaded : *builtin;
}

void RunNode(benchmark::State& state, const char* type, Json params) {
  bool plugin = state.range(0) == 1;
  state.SetLabel(plugin ? "plugin .so" : "built in");
  Config config(params);
  std::unique_ptr<sdk::Node> node = Registry(plugin).Find(type)->Create(config);
  BenchContext context({{Json{{"id", 7}, {"name", "ann"}}}}, params);
  for (auto _ : state) {
    bool ok = false;
    node->Execute(context, [&ok](absl::StatusOr<sdk::NodeResult> result) { ok = result.ok(); });
    if (!ok) state.SkipWithError("the node failed");
    benchmark::ClobberMemory();
  }
}

void BM_Noop(benchmark::State& state) { RunNode(state, "noop", Json::object()); }
void BM_Set(benchmark::State& state) {
  RunNode(state, "set", Json{{"values", {{"seen", true}}}});
}

BENCHMARK(BM_Noop)->Arg(0)->Arg(1);
BENCHMARK(BM_Set)->Arg(0)->Arg(1);

}  // namespace
}  // namespace flowhost

BENCHMARK_MAIN();
