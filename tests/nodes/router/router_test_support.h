// Shared by the router's unit tests: an in-memory upstream with per-model behaviours and call
// counts, OpenRouter-shaped replies, and a fixture that creates router nodes and runs them on fresh
// FakeNodeContexts sharing one clock time (so route health carries from run to run).
//
// Thread-safety: single-threaded, like the ManualScheduler the contexts drive.
#ifndef FLOWHOST_TESTS_NODES_ROUTER_ROUTER_TEST_SUPPORT_H_
#define FLOWHOST_TESTS_NODES_ROUTER_ROUTER_TEST_SUPPORT_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "nodes/router/fallback_router_node.h"
#include "tests/nodes/testing/fake_node_context.h"
#include "tests/nodes/testing/openrouter_replies.h"

namespace flowhost::nodes::router {

using node_testing::FakeNodeConfig;
using node_testing::FakeNodeContext;
using node_testing::FakeResponse;
using node_testing::Reply;
using sdk::Json;

using Behaviour = std::function<std::optional<FakeResponse>(const sdk::HttpRequest&)>;

inline std::optional<FakeResponse> Ok(const std::string& model, const std::string& content = "",
                                      double cost = 0.001) {
  Reply reply;
  reply.model = model;
  reply.content = content.empty() ? "Answer from " + model : content;
  reply.cost = cost;
  return FakeResponse::Json(200, node_testing::CompletionBody(reply));
}

inline std::optional<FakeResponse> Status(int status, const std::string& message,
                                          sdk::HttpHeaders headers = {}, Json metadata = nullptr) {
  return FakeResponse::Json(status, node_testing::ErrorBody(status, message, metadata),
                            std::move(headers));
}

// One upstream: behaviour per model, calls counted per model.
class Upstream {
 public:
  void On(const std::string& model, Behaviour behaviour) { behaviours_[model] = behaviour; }
  int calls(const std::string& model) const {
    auto it = calls_.find(model);
    return it == calls_.end() ? 0 : it->second;
  }
  std::optional<FakeResponse> Handle(const sdk::HttpRequest& request) {
    if (absl::EndsWith(request.url, "/models")) return FakeResponse::Json(200, catalogue);
    std::string model = Json::parse(request.body)["model"];
    ++calls_[model];
    bodies.push_back(Json::parse(request.body));
    auto it = behaviours_.find(model);
    if (it == behaviours_.end()) return Ok(model);
    return it->second(request);
  }
  void Serve(FakeNodeContext& context) {
    context.fake_http().SetHandler([this](const sdk::HttpRequest& r) { return Handle(r); });
  }

  std::string catalogue = node_testing::CatalogueBody({});
  std::vector<Json> bodies;

 private:
  std::map<std::string, Behaviour> behaviours_;
  std::map<std::string, int> calls_;
};

class RouterTest : public ::testing::Test {
 protected:
  std::unique_ptr<sdk::Node> Create(Json params, std::vector<std::string> dynamic = {}) {
    FakeNodeConfig config(params, type_.info().parameter_schema, std::move(dynamic));
    std::unique_ptr<sdk::Node> node = type_.Create(config);
    errors_ = config.errors;
    warnings_ = config.warnings;
    params_ = config.params();
    return node;
  }

  // A fresh execution context sharing the test's clock time.
  std::unique_ptr<FakeNodeContext> NewContext(size_t items = 1) {
    auto context = std::make_unique<FakeNodeContext>();
    context->clock().Set(now_);
    context->SetCredential("openrouter", "sk-router-test", {{"base_url", "http://fake.test/v1"}});
    context->parameters().schema = type_.info().parameter_schema;
    context->parameters().common = params_;
    context->SetInput(sdk::Items(items, Json{{"question", "why?"}}));
    upstream_.Serve(*context);
    return context;
  }

  absl::StatusOr<sdk::NodeResult> RunOnce(const sdk::Node& node) {
    auto context = NewContext();
    absl::StatusOr<sdk::NodeResult> result = context->Run(node);
    last_attempts_ = context->attempts();
    return result;
  }

  // True when no route is open or half-open and no failure counts against any.
  bool EveryRouteHealthy() const {
    for (const RouteHealthTable::Snapshot& route : type_.health().List(now_)) {
      if (route.state != RouteState::kClosed || route.failures > 0) return false;
    }
    return true;
  }

  static Json TwoRoutes(Json extra = Json::object()) {
    Json params = {{"prompt", "Say hi"},
                   {"routes", {{{"model", "free/a:free"}}, {{"model", "paid/b"}}}}};
    params.update(extra);
    return params;
  }

  std::shared_ptr<openrouter::OpenRouterClient> client_ =
      std::make_shared<openrouter::OpenRouterClient>();
  FallbackRouterNodeType type_{client_, std::make_shared<RouteHealthTable>()};
  Upstream upstream_;
  Json params_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
  std::vector<sdk::AttemptRecord> last_attempts_;
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
};

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_TESTS_NODES_ROUTER_ROUTER_TEST_SUPPORT_H_
