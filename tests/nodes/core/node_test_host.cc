#include "tests/nodes/core/node_test_host.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/json_schema.h"
#include "gtest/gtest.h"
#include "nodes/core/core_nodes.h"
#ifdef FLOWHOST_TEST_CORE_PLUGIN
#include "server/plugins/plugin_loader.h"
#include "server/registry/node_type_registry.h"
#endif

namespace flowhost::nodes::core::testing {

class NodeTestHost::Registry : public sdk::NodeRegistry {
 public:
  absl::Status Register(std::shared_ptr<const sdk::NodeType> type) override {
    types[type->info().type] = std::move(type);
    return absl::OkStatus();
  }
  std::map<std::string, std::shared_ptr<const sdk::NodeType>, std::less<>> types;
};

namespace {

class FakeConfig : public sdk::NodeConfig {
 public:
  FakeConfig(Json params, std::set<std::string> dynamic, std::vector<std::string>& errors,
             std::vector<std::string>& warnings)
      : params_(std::move(params)),
        dynamic_(std::move(dynamic)),
        errors_(errors),
        warnings_(warnings) {}
  const std::string& name() const override { return name_; }
  const Json& params() const override { return params_; }
  bool IsDynamic(std::string_view pointer) const override {
    for (const std::string& dynamic : dynamic_) {
      if (dynamic == pointer || dynamic.rfind(std::string(pointer) + "/", 0) == 0) return true;
    }
    return false;
  }
  void Error(std::string_view pointer, std::string_view message) override {
    errors_.push_back(absl::StrCat(sdk::AsAbsl(pointer), ": ", sdk::AsAbsl(message)));
  }
  void Warning(std::string_view pointer, std::string_view message) override {
    warnings_.push_back(absl::StrCat(sdk::AsAbsl(pointer), ": ", sdk::AsAbsl(message)));
  }

 private:
  const std::string name_ = "node";
  Json params_;
  std::set<std::string> dynamic_;
  std::vector<std::string>& errors_;
  std::vector<std::string>& warnings_;
};

// Parameters per item, defaulted and checked against the schema as the host does.
class FakeParameters : public sdk::Parameters {
 public:
  FakeParameters(ParamsFn params, Json schema)
      : params_(std::move(params)), schema_(std::move(schema)) {}
  absl::StatusOr<Json> ForItem(size_t index) const override {
    Json params = sdk::ApplySchemaDefaults(params_(index), schema_);
    std::vector<sdk::SchemaViolation> violations;
    sdk::ValidateAgainstSchema(params, schema_, violations);
    if (!violations.empty()) {
      std::vector<std::string> messages;
      for (const auto& v : violations) messages.push_back(absl::StrCat(v.pointer, ": ", v.message));
      return absl::InvalidArgumentError(absl::StrJoin(messages, "; "));
    }
    return params;
  }
  absl::StatusOr<Json> EvaluateDeferred(std::string_view, size_t, const Json&) const override {
    return absl::NotFoundError("no deferred parameters here");
  }

 private:
  ParamsFn params_;
  Json schema_;
};

class NoHttp : public sdk::HttpClient {
 public:
  sdk::HttpCallPtr Send(sdk::HttpRequest, sdk::HttpDone done) override {
    done(absl::UnavailableError("no HTTP in node tests"));
    return nullptr;
  }
};

class NoLogger : public sdk::Logger {
 public:
  bool Enabled(sdk::LogLevel) const override { return false; }
  void Log(sdk::LogLevel, std::string_view, const Json&) override {}
};

}  // namespace

class FakeNodeContext : public sdk::NodeContext, public sdk::EventSink {
 public:
  FakeNodeContext(NodeTestHost& host, std::vector<Items> inputs, ParamsFn params, Json schema)
      : host_(host), inputs_(std::move(inputs)), params_(std::move(params), std::move(schema)) {
    info_.id = "ex-test";
    info_.workflow = "test";
    info_.started_at = host.clock.Now();
  }
  const std::string& node_name() const override { return name_; }
  const sdk::ExecutionInfo& execution() const override { return info_; }
  int attempt() const override { return 1; }
  const std::vector<Items>& inputs() const override { return inputs_; }
  const sdk::Parameters& params() const override { return params_; }
  absl::StatusOr<sdk::Credential> credential(std::string_view name) const override {
    auto it = host_.credentials.find(name);
    if (it == host_.credentials.end()) return absl::NotFoundError("no such credential");
    return it->second;
  }
  sdk::HttpClient& http() override { return host_.http != nullptr ? *host_.http : http_; }
  sdk::Scheduler& scheduler() override { return host_.scheduler; }
  sdk::Logger& logger() override { return logger_; }
  const sdk::CancellationToken& cancellation() const override { return token_; }
  sdk::EventSink& events() override { return *this; }
  void RecordAttempt(const sdk::AttemptRecord& call) override { host_.calls.push_back(call); }
  absl::Status ReserveItemBytes(size_t bytes) override {
    ++host_.reservations;
    if (host_.item_bytes_limit.has_value() &&
        host_.item_bytes_reserved + bytes > *host_.item_bytes_limit) {
      return sdk::NodeError(absl::StatusCode::kResourceExhausted, sdk::error_class::kLimitExceeded,
                            "the test's item budget is spent");
    }
    host_.item_bytes_reserved += bytes;
    return absl::OkStatus();
  }
  absl::Time durable_timer() const override { return host_.durable_timer; }
  bool ParkUntil(absl::Time wake_at) override {
    host_.parks.push_back(wake_at);
    return host_.accept_park;
  }
  void RunWorkflow(std::string_view workflow, Json inputs,
                   absl::AnyInvocable<void(absl::StatusOr<Items>)> done) override {
    if (host_.run_workflow) return host_.run_workflow(workflow, std::move(inputs), std::move(done));
    done(absl::NotFoundError("no workflows in node tests"));
  }
  void InvokeNode(std::string_view, Items,
                  absl::AnyInvocable<void(absl::StatusOr<sdk::NodeResult>)> done) override {
    done(absl::NotFoundError("no attached nodes in node tests"));
  }
  bool wants_tokens() const override { return false; }
  void TokenDelta(size_t, std::string_view, std::string_view) override {}

  sdk::CancellationSource source;

 private:
  NodeTestHost& host_;
  const std::string name_ = "node";
  sdk::ExecutionInfo info_;
  std::vector<Items> inputs_;
  FakeParameters params_;
  const sdk::CancellationToken token_ = source.token();
  NoHttp http_;
  NoLogger logger_;
};

NodeTestHost::Running::Running() = default;
NodeTestHost::Running::~Running() = default;

void NodeTestHost::Running::Cancel(absl::Status reason) { context->source.Cancel(reason); }

namespace {

// The core family: linked in, or (core_nodes_via_plugin_test) loaded from its plugin library
// through the plugin loader, so that every node test also runs across the C ABI.
absl::Status RegisterCoreFamily(sdk::NodeRegistry& registry) {
#ifdef FLOWHOST_TEST_CORE_PLUGIN
  registry::NodeTypeRegistry loaded;
  absl::StatusOr<plugins::LoadedPlugin> plugin =
      plugins::LoadPlugin(FLOWHOST_TEST_CORE_PLUGIN, loaded);
  if (!plugin.ok()) return plugin.status();
  for (auto& type : loaded.List()) {
    if (absl::Status status = registry.Register(type); !status.ok()) return status;
  }
  return absl::OkStatus();
#else
  return RegisterCoreNodes(registry);
#endif
}

}  // namespace

NodeTestHost::NodeTestHost() : registry_(std::make_shared<Registry>()) {
  absl::Status status = RegisterCoreFamily(*registry_);
  EXPECT_TRUE(status.ok()) << status;
}

void NodeTestHost::AddType(std::shared_ptr<const sdk::NodeType> type) {
  EXPECT_TRUE(registry_->Register(std::move(type)).ok());
}

const sdk::NodeType& NodeTestHost::Type(std::string_view type) const {
  auto it = registry_->types.find(type);
  if (it == registry_->types.end()) {
    ADD_FAILURE() << "no core node type " << type;
    return *registry_->types.begin()->second;
  }
  return *it->second;
}

std::unique_ptr<sdk::Node> NodeTestHost::Create(std::string_view type, const Json& params,
                                                std::set<std::string> dynamic) {
  const sdk::NodeType& node_type = Type(type);
  FakeConfig config(sdk::ApplySchemaDefaults(params, node_type.info().parameter_schema),
                    std::move(dynamic), errors, warnings);
  return node_type.Create(config);
}

std::shared_ptr<NodeTestHost::Running> NodeTestHost::Start(std::string_view type,
                                                           const Json& params,
                                                           std::vector<Items> inputs,
                                                           absl::Status cancelled_first) {
  auto running = std::make_shared<Running>();
  running->node = Create(type, params);
  if (running->node == nullptr) {
    ADD_FAILURE() << "Create failed: " << absl::StrJoin(errors, "; ");
    return running;
  }
  running->context = std::make_unique<FakeNodeContext>(
      *this, std::move(inputs), [params](size_t) { return params; },
      Type(type).info().parameter_schema);
  if (!cancelled_first.ok()) running->Cancel(cancelled_first);
  std::weak_ptr<Running> weak = running;
  running->node->Execute(*running->context, [weak](absl::StatusOr<sdk::NodeResult> result) {
    if (auto running = weak.lock()) {
      ++running->completions;
      running->result = std::move(result);
    }
  });
  return running;
}

std::optional<absl::StatusOr<sdk::NodeResult>> NodeTestHost::Run(std::string_view type,
                                                                 const Json& params,
                                                                 std::vector<Items> inputs) {
  return RunPerItem(
      type, params, [params](size_t) { return params; }, std::move(inputs));
}

std::optional<absl::StatusOr<sdk::NodeResult>> NodeTestHost::RunPerItem(std::string_view type,
                                                                        const Json& static_params,
                                                                        ParamsFn params,
                                                                        std::vector<Items> inputs) {
  std::unique_ptr<sdk::Node> node = Create(type, static_params);
  if (node == nullptr) {
    ADD_FAILURE() << "Create failed: " << absl::StrJoin(errors, "; ");
    return std::nullopt;
  }
  FakeNodeContext context(*this, std::move(inputs), std::move(params),
                          Type(type).info().parameter_schema);
  std::optional<absl::StatusOr<sdk::NodeResult>> result;
  node->Execute(context, [&result](absl::StatusOr<sdk::NodeResult> r) { result = std::move(r); });
  scheduler.RunUntilIdle();
  return result;
}

Items OutputOf(const absl::StatusOr<sdk::NodeResult>& result, size_t port) {
  if (!result.ok() || port >= result->outputs.size()) return {};
  return result->outputs[port];
}

}  // namespace flowhost::nodes::core::testing
