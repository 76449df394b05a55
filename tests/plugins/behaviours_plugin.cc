// A test plugin (libbehaviours_plugin.so) written against the C++ SDK and loaded through the C ABI:
// one node type per behaviour the boundary must carry, for plugin_execution_test.cc.
//   test.from_thread        completes from a thread of its own
//   test.stream             streams its `pieces` as token deltas, then outputs them joined
//   test.wait_for_cancel    completes only when cancelled, with the cancellation's reason
//   test.ignore_everything  never completes, whatever happens (bounded by the node's timeout)
//   test.throw              throws from Execute
//   test.throw_in_task      throws from a task it posted to the host's scheduler
//   test.chat               POSTs a chat request to `url` through the host's HTTP client with the
//                           credential its `credential` parameter names; aborts it on cancellation
//   test.params             outputs, per input item, its parameters for that item and whether
//                           the host said at create that they are fixed (ABI 1.1)
//   test.spend              reserves `reserve` of the execution's cost budget and settles it at
//                           `actual`, outputting what was left before and after (ABI 1.2)
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/plugin/plugin.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/node_context.h"

namespace behaviours {

using flowhost::sdk::Json;
using flowhost::sdk::Node;
using flowhost::sdk::NodeConfig;
using flowhost::sdk::NodeContext;
using flowhost::sdk::NodeDone;
using flowhost::sdk::NodeResult;
using flowhost::sdk::NodeType;
using flowhost::sdk::NodeTypeInfo;

// A type whose nodes all run `Run` (a plain function of the context and `done`).
class FunctionType : public NodeType {
 public:
  using Fn = void (*)(NodeContext&, NodeDone);
  FunctionType(std::string type, Json schema, Fn fn) : fn_(fn) {
    info_.type = std::move(type);
    info_.description = "A test node of the behaviours plugin.";
    info_.parameter_schema = std::move(schema);
  }
  const NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<Node> Create(NodeConfig&) const override {
    class FunctionNode : public Node {
     public:
      explicit FunctionNode(Fn fn) : fn_(fn) {}
      void Execute(NodeContext& context, NodeDone done) const override { fn_(context, std::move(done)); }

     private:
      Fn fn_;
    };
    return std::make_unique<FunctionNode>(fn_);
  }

 private:
  NodeTypeInfo info_;
  Fn fn_;
};

Json NoParams() { return {{"type", "object"}, {"properties", Json::object()}}; }

void FromThread(NodeContext& context, NodeDone done) {
  flowhost::sdk::Items items = context.inputs().empty() ? flowhost::sdk::Items{} : context.inputs()[0];
  std::thread([items = std::move(items), done = std::move(done)]() mutable {
    for (Json& item : items) item["completed_on"] = "another thread";
    done(NodeResult{{std::move(items)}});
  }).detach();
}

void Stream(NodeContext& context, NodeDone done) {
  absl::StatusOr<Json> params = context.params().ForItem(0);
  if (!params.ok()) return done(params.status());
  std::string text;
  for (const Json& piece : (*params)["pieces"]) {
    context.events().TokenDelta(0, piece.get<std::string>());
    text += piece.get<std::string>();
  }
  done(NodeResult{{{Json{{"text", text}}}}});
}

void WaitForCancel(NodeContext& context, NodeDone done) {
  auto shared = std::make_shared<NodeDone>(std::move(done));
  const flowhost::sdk::CancellationToken& token = context.cancellation();
  token.OnCancel([shared, token] { (*shared)(token.reason()); });
  context.events().TokenDelta(0, "waiting");
}

void IgnoreEverything(NodeContext&, NodeDone done) {
  // Keeps `done` forever without calling it.
  static auto* kept = new std::vector<NodeDone>();
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  kept->push_back(std::move(done));
}

void Throw(NodeContext&, NodeDone) { throw std::runtime_error("boom from the plugin"); }

void ThrowInTask(NodeContext& context, NodeDone done) {
  context.scheduler().Post([done = std::move(done)]() mutable {
    throw std::logic_error("boom in a task");
  });
}

void Chat(NodeContext& context, NodeDone done) {
  absl::StatusOr<Json> params = context.params().ForItem(0);
  if (!params.ok()) return done(params.status());
  absl::StatusOr<flowhost::sdk::Credential> credential =
      context.credential((*params)["credential"].get<std::string>());
  if (!credential.ok()) return done(credential.status());
  flowhost::sdk::HttpRequest request;
  request.method = "POST";
  request.url = (*params)["url"].get<std::string>();
  request.headers = {{"Authorization", "Bearer " + credential->secret.reveal()},
                     {"Content-Type", "application/json"}};
  request.body = Json{{"model", (*params)["model"]},
                      {"messages", Json::array({{{"role", "user"}, {"content", "hi"}}})}}
                     .dump();
  request.deadline = context.cancellation().deadline();
  context.logger().Log(flowhost::sdk::LogLevel::kInfo, "sending a chat request",
                       {{"model", (*params)["model"]}});
  auto shared = std::make_shared<NodeDone>(std::move(done));
  std::string model = (*params)["model"].get<std::string>();
  flowhost::sdk::HttpCallPtr call = context.http().Send(
      std::move(request), [shared, &context, model](
                              absl::StatusOr<flowhost::sdk::HttpResponse> response) {
        flowhost::sdk::AttemptRecord attempt;
        attempt.model = model;
        attempt.outcome = response.ok() ? flowhost::sdk::outcome::kOk
                                        : flowhost::sdk::StoppedOutcome(response.status());
        attempt.prompt_tokens = 3;
        attempt.completion_tokens = 5;
        attempt.cost_usd = 0.25;
        context.RecordAttempt(attempt);
        if (!response.ok()) return (*shared)(response.status());
        (*shared)(NodeResult{{{Json{{"status", response->status},
                                    {"body_bytes", response->body.size()}}}}});
      });
  context.cancellation().OnCancel([call] { call->Cancel(); });
}

// test.params: what the node learnt at create (are the parameters fixed?) and what each item's
// parameters are.
class ParamsType : public NodeType {
 public:
  ParamsType() {
    info_.type = "test.params";
    info_.description = "Outputs its parameters for each item, and whether they are fixed.";
    info_.parameter_schema = {{"type", "object"},
                              {"properties", {{"greeting", {{"type", "string"}}}}}};
  }
  const NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<Node> Create(NodeConfig& config) const override {
    class ParamsNode : public Node {
     public:
      explicit ParamsNode(bool fixed) : fixed_(fixed) {}
      void Execute(NodeContext& context, NodeDone done) const override {
        flowhost::sdk::Items out;
        size_t items = context.inputs().empty() ? 0 : context.inputs()[0].size();
        for (size_t i = 0; i < items; ++i) {
          absl::StatusOr<Json> params = context.params().ForItem(i);
          if (!params.ok()) return done(params.status());
          out.push_back(Json{{"fixed", fixed_}, {"params", *params}});
        }
        done(NodeResult{{std::move(out)}});
      }

     private:
      const bool fixed_;
    };
    return std::make_unique<ParamsNode>(config.ParamsAreFixed());
  }

 private:
  NodeTypeInfo info_;
};

void Spend(NodeContext& context, NodeDone done) {
  absl::StatusOr<Json> params = context.params().ForItem(0);
  if (!params.ok()) return done(params.status());
  std::optional<double> before = context.CostRemaining();
  const double reserve = params->value("reserve", 0.0);
  if (absl::Status refused = context.ReserveCost(reserve); !refused.ok()) return done(refused);
  context.SettleCost(reserve, params->value("actual", 0.0));
  std::optional<double> after = context.CostRemaining();
  done(NodeResult{{{Json{{"before", before ? Json(*before) : Json()},
                         {"after", after ? Json(*after) : Json()}}}}});
}

absl::Status Register(flowhost::sdk::NodeRegistry& registry) {
  Json stream_schema = {{"type", "object"},
                        {"properties", {{"pieces", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
                        {"required", {"pieces"}}};
  Json chat_schema = {{"type", "object"},
                      {"properties",
                       {{"url", {{"type", "string"}}},
                        {"model", {{"type", "string"}}},
                        {"credential", {{"type", "string"}, {"x-credential", true}}}}},
                      {"required", {"url", "model", "credential"}}};
  for (auto type :
       {std::make_shared<FunctionType>("test.from_thread", NoParams(), &FromThread),
        std::make_shared<FunctionType>("test.stream", stream_schema, &Stream),
        std::make_shared<FunctionType>("test.wait_for_cancel", NoParams(), &WaitForCancel),
        std::make_shared<FunctionType>("test.ignore_everything", NoParams(), &IgnoreEverything),
        std::make_shared<FunctionType>("test.throw", NoParams(), &Throw),
        std::make_shared<FunctionType>("test.throw_in_task", NoParams(), &ThrowInTask),
        std::make_shared<FunctionType>("test.chat", chat_schema, &Chat),
        std::make_shared<FunctionType>(
            "test.spend",
            Json{{"type", "object"},
                 {"properties",
                  {{"reserve", {{"type", "number"}}}, {"actual", {{"type", "number"}}}}}},
            &Spend)}) {
    if (absl::Status status = registry.Register(type); !status.ok()) return status;
  }
  return registry.Register(std::make_shared<ParamsType>());
}

}  // namespace behaviours

FLOWHOST_PLUGIN("behaviours", "0.1.0", registry) { return behaviours::Register(registry); }
