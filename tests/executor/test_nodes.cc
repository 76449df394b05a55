#include "tests/executor/test_nodes.h"

#include <functional>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/usage.h"

namespace flowhost::executor::testing {
namespace {

using sdk::Items;
using sdk::Json;
using ExecuteFn = std::function<void(sdk::NodeContext&, sdk::NodeDone)>;

class LambdaNode : public sdk::Node {
 public:
  explicit LambdaNode(ExecuteFn execute) : execute_(std::move(execute)) {}
  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    execute_(context, std::move(done));
  }

 private:
  ExecuteFn execute_;
};

class LambdaNodeType : public sdk::NodeType {
 public:
  LambdaNodeType(std::string type, Json schema, ExecuteFn execute) : execute_(std::move(execute)) {
    info_.type = std::move(type);
    info_.description = "A node for executor tests.";
    info_.parameter_schema = std::move(schema);
  }
  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig&) const override {
    return std::make_unique<LambdaNode>(execute_);
  }

 private:
  sdk::NodeTypeInfo info_;
  ExecuteFn execute_;
};

const Items& Input0(const sdk::NodeContext& context) {
  static const Items* const kNone = new Items();
  return context.inputs().empty() ? *kNone : context.inputs().front();
}

sdk::NodeResult Output0(Items items) {
  sdk::NodeResult result;
  result.outputs.push_back(std::move(items));
  return result;
}

Json Schema(Json properties) {
  return {
      {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
}

void Hold(const std::shared_ptr<TestNodeState>& state, sdk::NodeContext& context,
          sdk::NodeDone done) {
  absl::StatusOr<Json> params = context.params().ForItem(0);
  if (!params.ok()) return done(params.status());
  bool honour_cancel = params->value("honour_cancel", true);
  // Copied first: once parked, the test may complete the call, after which `context` is gone.
  sdk::CancellationToken token = context.cancellation();
  auto call = state->Hold(context.node_name(), Input0(context), std::move(done));
  if (params->value("call", false)) {
    // `context` is valid until `done` runs, which is right after this.
    call->report = [&context, token](const absl::Status& status) {
      sdk::AttemptRecord record;
      record.model = "test/held";
      record.outcome = status.ok()         ? sdk::outcome::kOk
                       : token.cancelled() ? sdk::StoppedOutcome(token.reason())
                                           : sdk::outcome::kError;
      record.error_class = sdk::ErrorClassOf(status);
      record.error_message = std::string(status.message());
      context.RecordAttempt(record);
    };
  }
  token.OnCancel([state, call, honour_cancel, token] {
    state->NoteCancel(call->node);
    if (honour_cancel) state->Finish(call, token.reason());
  });
}

void Flaky(const std::shared_ptr<TestNodeState>& state, sdk::NodeContext& context,
           sdk::NodeDone done) {
  state->NoteStart(context.node_name(), context.attempt(), context.scheduler().clock().Now());
  absl::StatusOr<Json> params = context.params().ForItem(0);
  if (!params.ok()) return done(params.status());
  int failures = params->value("failures", 0);
  if (context.attempt() > failures) return done(Output0(Input0(context)));
  std::optional<absl::Duration> retry_after;
  if (params->contains("retry_after"))
    retry_after = absl::Seconds((*params)["retry_after"].get<double>());
  done(sdk::NodeError(absl::StatusCode::kUnavailable,
                      params->value("error_class", std::string("upstream")),
                      absl::StrCat("flaky failure ", context.attempt()), nullptr, retry_after));
}

void Usage(sdk::NodeContext& context, sdk::NodeDone done) {
  absl::StatusOr<Json> params = context.params().ForItem(0);
  if (!params.ok()) return done(params.status());
  for (const Json& call : params->value("calls", Json::array())) {
    sdk::AttemptRecord record;
    record.model = call.value("model", "");
    record.outcome = call.value("outcome", "ok");
    record.prompt_tokens = call.value("prompt_tokens", 0);
    record.completion_tokens = call.value("completion_tokens", 0);
    record.cost_usd = call.value("cost_usd", 0.0);
    record.latency = absl::Milliseconds(call.value("latency_ms", 0));
    context.RecordAttempt(record);
  }
  context.logger().Log(sdk::LogLevel::kInfo, "usage reported",
                       {{"calls", params->value("calls", Json::array()).size()}});
  if (context.events().wants_tokens()) {
    for (const Json& token : params->value("tokens", Json::array())) {
      context.events().TokenDelta(0, token.get<std::string>());
    }
  }
  done(Output0(Input0(context)));
}

// Loses its completion without calling it: a node bug the executor must survive.
void Drop(sdk::NodeContext&, sdk::NodeDone done) { sdk::NodeDone lost = std::move(done); }

void Echo(sdk::NodeContext& context, sdk::NodeDone done) {
  Items out;
  for (size_t i = 0; i < Input0(context).size(); ++i) {
    absl::StatusOr<Json> params = context.params().ForItem(i);
    if (!params.ok()) return done(params.status());
    out.push_back(*std::move(params));
  }
  done(Output0(std::move(out)));
}

void ManyItems(sdk::NodeContext& context, sdk::NodeDone done) {
  absl::StatusOr<Json> params = context.params().ForItem(0);
  if (!params.ok()) return done(params.status());
  Items out;
  int count = params->value("count", 0);
  for (int k = 0; k < count; ++k) out.push_back({{"i", k}});
  done(Output0(std::move(out)));
}

void Invoke(sdk::NodeContext& context, sdk::NodeDone done) {
  absl::StatusOr<Json> params = context.params().ForItem(0);
  if (!params.ok()) return done(params.status());
  context.InvokeNode(params->value("target", std::string()), Input0(context), std::move(done));
}

// test.spend: reserves `reserve` of the execution's cost budget, then settles it with `actual`
// (when given; without it the reservation is left for the attempt's end to give back). Outputs
// {"before": what was left before, "after": what is left after} (null without a budget), or fails
// with the refusal.
void Spend(sdk::NodeContext& context, sdk::NodeDone done) {
  absl::StatusOr<Json> params = context.params().ForItem(0);
  if (!params.ok()) return done(params.status());
  const double reserve = params->value("reserve", 0.0);
  std::optional<double> before = context.CostRemaining();
  if (absl::Status refused = context.ReserveCost(reserve); !refused.ok()) return done(refused);
  if (params->contains("actual")) context.SettleCost(reserve, (*params)["actual"].get<double>());
  std::optional<double> after = context.CostRemaining();
  sdk::NodeResult result;
  result.outputs.push_back({Json{{"before", before ? Json(*before) : Json()},
                                 {"after", after ? Json(*after) : Json()}}});
  done(std::move(result));
}

}  // namespace

std::shared_ptr<TestNodeState::HeldCall> TestNodeState::Hold(std::string node, sdk::Items input,
                                                             sdk::NodeDone done) {
  auto call = std::make_shared<HeldCall>();
  call->node = std::move(node);
  call->input = std::move(input);
  call->done = std::move(done);
  absl::MutexLock lock(&mu_);
  held_.push_back(call);
  return call;
}

void TestNodeState::Finish(const std::shared_ptr<HeldCall>& call,
                           absl::StatusOr<sdk::NodeResult> result) {
  sdk::NodeDone done;
  absl::AnyInvocable<void(const absl::Status&)> report;
  {
    absl::MutexLock lock(&mu_);
    if (call->finished) return;
    call->finished = true;
    done = std::move(call->done);
    report = std::move(call->report);
    std::erase(held_, call);
  }
  if (report) report(result.status());
  done(std::move(result));
}

bool TestNodeState::Complete(std::string_view node, absl::StatusOr<sdk::NodeResult> result) {
  std::shared_ptr<HeldCall> call;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& held : held_) {
      if (held->node == node) {
        call = held;
        break;
      }
    }
  }
  if (call == nullptr) return false;
  Finish(call, std::move(result));
  return true;
}

bool TestNodeState::Release(std::string_view node) {
  std::shared_ptr<HeldCall> call;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& held : held_) {
      if (held->node == node) {
        call = held;
        break;
      }
    }
  }
  if (call == nullptr) return false;
  Finish(call, Output0(call->input));
  return true;
}

std::vector<std::string> TestNodeState::Held() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& held : held_) names.push_back(held->node);
  return names;
}

bool TestNodeState::SawCancel(std::string_view node) const {
  absl::MutexLock lock(&mu_);
  return std::find(cancelled_.begin(), cancelled_.end(), node) != cancelled_.end();
}

void TestNodeState::NoteCancel(std::string node) {
  absl::MutexLock lock(&mu_);
  cancelled_.push_back(std::move(node));
}

void TestNodeState::NoteStart(std::string node, int attempt, absl::Time at) {
  absl::MutexLock lock(&mu_);
  starts_.push_back({std::move(node), attempt, at});
}

std::vector<TestNodeState::AttemptStart> TestNodeState::Starts() const {
  absl::MutexLock lock(&mu_);
  return starts_;
}

absl::Status RegisterTestNodes(sdk::NodeRegistry& registry, std::shared_ptr<TestNodeState> state) {
  const Json any = {{"description", "anything"}};
  std::vector<std::shared_ptr<const sdk::NodeType>> types = {
      std::make_shared<LambdaNodeType>(
          "test.hold",
          Schema({{"honour_cancel", {{"type", "boolean"}, {"default", true}, {"description", "x"}}},
                  {"call", {{"type", "boolean"}, {"default", false}, {"description", "x"}}}}),
          [state](sdk::NodeContext& c, sdk::NodeDone d) { Hold(state, c, std::move(d)); }),
      std::make_shared<LambdaNodeType>(
          "test.flaky",
          Schema({{"failures", {{"type", "integer"}, {"description", "x"}}},
                  {"error_class", {{"type", "string"}, {"description", "x"}}},
                  {"retry_after", {{"type", "number"}, {"description", "x"}}}}),
          [state](sdk::NodeContext& c, sdk::NodeDone d) { Flaky(state, c, std::move(d)); }),
      std::make_shared<LambdaNodeType>(
          "test.usage",
          Schema({{"calls", {{"type", "array"}, {"description", "x"}}},
                  {"tokens", {{"type", "array"}, {"description", "x"}}}}),
          Usage),
      std::make_shared<LambdaNodeType>(
          "test.echo",
          Schema({{"value", any}, {"count", {{"type", "integer"}, {"description", "x"}}}}), Echo),
      std::make_shared<LambdaNodeType>("test.drop", Schema(Json::object()), Drop),
      std::make_shared<LambdaNodeType>(
          "test.key", Schema(Json::object()),
          [](sdk::NodeContext& c, sdk::NodeDone d) {
            sdk::NodeResult result;
            result.outputs.push_back({Json{{"key", c.idempotency_key()}}});
            d(std::move(result));
          }),
      std::make_shared<LambdaNodeType>(
          "test.spend",
          Schema({{"reserve", {{"type", "number"}, {"description", "x"}}},
                  {"actual", {{"type", "number"}, {"description", "x"}}}}),
          Spend),
      std::make_shared<LambdaNodeType>(
          "test.items", Schema({{"count", {{"type", "integer"}, {"description", "x"}}}}),
          ManyItems),
      std::make_shared<LambdaNodeType>(
          "test.invoke",
          Schema({{"target", {{"type", "string"}, {"x-node-ref", true}, {"description", "x"}}}}),
          Invoke),
  };
  for (auto& type : types) {
    if (absl::Status status = registry.Register(std::move(type)); !status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace flowhost::executor::testing
