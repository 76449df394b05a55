#include "nodes/router/fallback_router_node.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/openrouter/model_query.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/cancellable_wait.h"
#include "flowhost/sdk/duration.h"
#include "flowhost/sdk/output_schema.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_batch.h"
#include "flowhost/sdk/json_schema.h"
#include "flowhost/sdk/node_context.h"
#include "nodes/router/route.h"
#include "nodes/router/route_walk.h"
#include "nodes/router/router_settings.h"

namespace flowhost::nodes::router {
namespace {

using openrouter::CataloguePtr;
using sdk::Json;

// Every class the SDK and the OpenRouter nodes produce, plus the router's own "rejected".
const std::set<std::string, std::less<>>& KnownClasses() {
  static const auto* classes = new std::set<std::string, std::less<>>{"rate_limited",
                                                                      "insufficient_credits",
                                                                      "auth",
                                                                      "moderation",
                                                                      "bad_request",
                                                                      "context_length",
                                                                      "timeout",
                                                                      "upstream",
                                                                      "network",
                                                                      "unavailable",
                                                                      "malformed_response",
                                                                      "cancelled",
                                                                      "not_found",
                                                                      "response_too_large",
                                                                      "queue_full",
                                                                      "invalid_input",
                                                                      "limit_exceeded",
                                                                      "failed",
                                                                      "rejected"};
  return *classes;
}

Json ClassList(const std::set<std::string, std::less<>>& defaults, const char* description) {
  Json list = Json::array();
  for (const std::string& c : defaults) list.push_back(c);
  return Json{{"type", "array"},
              {"items", {{"type", "string"}}},
              {"default", list},
              {"description", description}};
}

Json DurationSchema(const char* description) {
  return Json{{"type", Json::array({"string", "number"})}, {"description", description}};
}

Json RouteSchema() {
  Json properties = openrouter::ChatSettingsProperties();
  properties.update(openrouter::ModelProperties());
  properties["name"] = {{"type", "string"}, {"description", "How the route is named in outputs."}};
  properties["node"] = {{"type", "string"},
                        {"x-node-ref", true},
                        {"description", "Another node of the workflow to run on the item."}};
  properties["timeout"] = DurationSchema("Per attempt, for a chat route: \"20s\", \"500ms\".");
  properties["attempts"] = {{"type", "integer"},
                            {"minimum", 1},
                            {"maximum", 10},
                            {"default", 1},
                            {"description", "Calls on this route before moving on."}};
  properties["cooldown"] = DurationSchema("Overrides the router's cooldown for this route.");
  Json query = openrouter::ModelQueryProperties();
  query["limit"] = {{"type", "integer"},
                    {"minimum", 0},
                    {"default", kDefaultQueryModels},
                    {"description",
                     "How many matching models the route calls, in the query's order, leaving out "
                     "expired models and models whose route is open; 0: every one."}};
  properties["query"] = {
      {"type", "object"},
      {"additionalProperties", false},
      {"properties", query},
      {"description",
       "Instead of 'model': the catalogue models to call (openrouter.models' filters), resolved "
       "against the live catalogue each time the route is reached."}};
  return Json{{"type", "object"}, {"additionalProperties", false}, {"properties", properties}};
}

Json RouterSchema() {
  Json properties = openrouter::ChatSettingsProperties();
  properties["credential"] = {{"type", "string"},
                              {"default", "openrouter"},
                              {"x-credential", true},
                              {"description", "The host credential for the chat routes."}};
  properties["routes"] = {{"type", "array"},
                          {"minItems", 1},
                          {"items", RouteSchema()},
                          {"description", "Tried in order until one answers acceptably."}};
  properties["escalate_on"] = ClassList(DefaultEscalateOn(),
                                        "Failure classes that move on to the next route; any "
                                        "other failure fails the item at once.");
  properties["cooldown_on"] =
      ClassList(DefaultCooldownOn(),
                "Failure classes that count against a route's health (and, with a Retry-After, "
                "open it at once).");
  properties["cooldown"] = DurationSchema(
      "How long a route stays open when its failures cross failure_rate (no Retry-After); "
      "doubled after each failed half-open probe, up to max_cooldown.");
  properties["cooldown"]["default"] = "5s";
  properties["max_cooldown"] = DurationSchema(
      "The longest a route stays open after repeated failed probes; 30s, or cooldown when that "
      "is longer.");
  properties["failure_rate"] = {
      {"type", "number"},
      {"minimum", 0.01},
      {"maximum", 1},
      {"default", 0.6},
      {"description",
       "The share of a route's calls over failure_window that must fail (in cooldown_on) to open "
       "it."}};
  properties["failure_min_calls"] = {
      {"type", "integer"},
      {"minimum", 1},
      {"maximum", 256},
      {"default", 10},
      {"description", "Fewer calls than this over failure_window never open a route."}};
  properties["failure_window"] =
      DurationSchema("How far back a route's calls count towards failure_rate.");
  properties["failure_window"]["default"] = "30s";
  properties["accept"] = {
      {"type", Json::array({"string", "boolean"})},
      {"x-deferred", true},
      {"description",
       "An expression over the answer ($json is the answer item); a falsy result rejects it and "
       "escalates."}};
  properties["accept_schema"] = {
      {"type", "object"},
      {"description", "A JSON schema the answer (its content parsed as JSON) must match."}};
  properties["max_cost_usd"] = {
      {"type", "number"},
      {"minimum", 0},
      {"description",
       "Most this node may spend in one run; routes whose worst case would "
       "exceed what is left are skipped."}};
  properties["concurrency"] = {{"type", "integer"},
                               {"minimum", 1},
                               {"maximum", 256},
                               {"default", 4},
                               {"description", "Input items processed at the same time."}};
  properties["stream"] = {{"type", "boolean"},
                          {"default", false},
                          {"description", "Stream chat routes even when nobody listens."}};
  properties["hold_back"] = {
      {"type", "boolean"},
      {"default", false},
      {"description",
       "A streaming caller gets a route's text only once its answer has passed the checks "
       "(accept, accept_schema): text of failed or rejected attempts never reaches it."}};
  return Json{{"type", "object"}, {"additionalProperties", false}, {"properties", properties}};
}

std::set<std::string, std::less<>> ClassesOf(sdk::NodeConfig& config, const char* name,
                                             const std::set<std::string, std::less<>>& defaults) {
  std::string pointer = absl::StrCat("/", name);
  if (config.IsDynamic(pointer)) {
    config.Error(pointer, "must be a constant list");
    return defaults;
  }
  auto it = config.params().find(name);
  if (it == config.params().end() || !it->is_array()) return defaults;
  std::set<std::string, std::less<>> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& value = (*it)[i];
    if (!value.is_string()) continue;
    if (KnownClasses().count(value.get<std::string>()) == 0) {
      config.Warning(
          absl::StrCat(pointer, "/", i),
          absl::StrCat("'", value.get<std::string>(), "' is not an error class flowhost produces"));
    }
    out.insert(value.get<std::string>());
  }
  return out;
}

// Checks the routes as written: kinds, chat settings against the merged configuration, durations.
void CheckRoutes(sdk::NodeConfig& config) {
  const Json& params = config.params();
  if (config.IsDynamic("/routes") && !(params.contains("routes") && params["routes"].is_array())) {
    config.Error("/routes", "must be a list written in the workflow");
    return;
  }
  auto routes = params.find("routes");
  if (routes == params.end() || !routes->is_array()) return;
  for (size_t i = 0; i < routes->size(); ++i) {
    const Json& route = (*routes)[i];
    std::string base = absl::StrCat("/routes/", i);
    if (!route.is_object()) continue;
    bool node = route.contains("node");
    bool chat = route.contains("model") || route.contains("models");
    bool query = route.contains("query");
    if (int(node) + int(chat) + int(query) != 1) {
      config.Error(base,
                   "set one of 'node' (another node of the workflow), 'model'/'models', or "
                   "'query' (catalogue models)");
      continue;
    }
    if (query && route["query"].is_object() && !config.IsDynamic(base + "/query")) {
      absl::StatusOr<openrouter::ModelQuery> parsed =
          openrouter::ModelQuery::FromParams(route["query"]);
      if (!parsed.ok()) config.Error(base + "/query", sdk::AsStd(parsed.status().message()));
    }
    for (const char* name : {"timeout", "cooldown"}) {
      if (!route.contains(name) || config.IsDynamic(absl::StrCat(base, "/", name))) continue;
      absl::StatusOr<absl::Duration> parsed = sdk::ParseDuration(route[name]);
      if (!parsed.ok()) {
        config.Error(absl::StrCat(base, "/", name), sdk::AsStd(parsed.status().message()));
      }
    }
    if (node) {
      if (route.contains("timeout")) {
        config.Error(base + "/timeout",
                     "a node route runs with its node's own 'timeout' setting; set it there");
      }
      for (const std::string& setting : openrouter::ChatSettingNames()) {
        if (route.contains(setting)) {
          config.Error(absl::StrCat(base, "/", setting),
                       "a node route runs its node as configured; chat settings do not apply");
        }
      }
      continue;
    }
    Json merged = Json::object();
    for (const std::string& setting : openrouter::ChatSettingNames()) {
      if (params.contains(setting)) merged[setting] = params[setting];
    }
    for (const auto& [key, value] : route.items()) merged[key] = value;
    auto dynamic = [&config, &base](std::string_view pointer) {
      return config.IsDynamic(absl::StrCat(base, sdk::AsAbsl(pointer))) ||
             config.IsDynamic(pointer);
    };
    merged.erase("query");
    for (const auto& problem : openrouter::CheckChatParams(merged, !query, dynamic)) {
      config.Error(base + problem.pointer, problem.message);
    }
  }
}

// The route health parameters (route_health.h), over the defaults in `policy`.
void ReadHealthPolicy(sdk::NodeConfig& config, HealthPolicy& policy) {
  const Json& params = config.params();
  for (auto [name, field] : {std::pair<const char*, absl::Duration*>{"cooldown", &policy.open_for},
                             {"max_cooldown", &policy.max_open_for},
                             {"failure_window", &policy.window}}) {
    auto it = params.find(name);
    if (it == params.end() || config.IsDynamic(absl::StrCat("/", name))) continue;
    absl::StatusOr<absl::Duration> parsed = sdk::ParseDuration(*it);
    if (!parsed.ok()) {
      config.Error(absl::StrCat("/", name), sdk::AsStd(parsed.status().message()));
    } else if (*parsed <= absl::ZeroDuration() && std::string_view(name) != "cooldown") {
      config.Error(absl::StrCat("/", name), "must be longer than zero");
    } else {
      *field = *parsed;
    }
  }
  if (policy.max_open_for < policy.open_for) {
    if (params.contains("max_cooldown")) {
      config.Error("/max_cooldown", "must not be shorter than cooldown");
    } else {
      policy.max_open_for = policy.open_for;  // a long cooldown lifts the default ceiling
    }
  }
  if (auto it = params.find("failure_rate"); it != params.end() && it->is_number()) {
    double rate = it->get<double>();
    if (rate <= 0 || rate > 1) {
      config.Error("/failure_rate", "must be a share of calls above 0 and at most 1, like 0.5");
    } else {
      policy.failure_rate = rate;
    }
  }
  if (auto it = params.find("failure_min_calls"); it != params.end() && it->is_number_integer()) {
    policy.min_calls = static_cast<int>(it->get<int64_t>());
  }
}

// The fields the router adds to the answering route's item.
const std::vector<std::string>& RouterAddedFields() {
  static const auto* fields =
      new std::vector<std::string>{"route", "route_index", "attempts", "total_cost_usd"};
  return *fields;
}

bool HasQueryRoute(const Json& params) {
  auto routes = params.find("routes");
  if (routes == params.end() || !routes->is_array()) return false;
  for (const Json& route : *routes) {
    if (route.is_object() && route.contains("query")) return true;
  }
  return false;
}

// A chat route answers with a chat item; a node route with whatever its node outputs, so the
// shape is exact only when every route is a chat route.
Json RouterOutputSchema(const Json& params) {
  auto routes = params.find("routes");
  if (routes == params.end() || !routes->is_array()) return sdk::OpenOutputSchema();
  for (const Json& route : *routes) {
    if (!route.is_object() || route.contains("node")) return sdk::OpenOutputSchema();
  }
  std::vector<std::string> fields = openrouter::ChatItemFields();
  fields.insert(fields.end(), RouterAddedFields().begin(), RouterAddedFields().end());
  if (HasQueryRoute(params)) fields.push_back("query_picks");
  return sdk::ExactOutputSchema(fields);
}

class FallbackRouterNode : public sdk::Node {
 public:
  FallbackRouterNode(std::shared_ptr<const RouterSettings> settings,
                     std::shared_ptr<openrouter::OpenRouterClient> client,
                     std::shared_ptr<RouteHealthTable> health, Json output_schema)
      : settings_(std::move(settings)),
        client_(std::move(client)),
        health_(std::move(health)),
        output_schema_(std::move(output_schema)) {}

  std::optional<Json> output_schema() const override { return output_schema_; }

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    auto run = std::make_shared<RouterRun>();
    run->context = &context;
    run->settings = settings_;
    run->client = client_;
    run->health = health_;
    run->listening = context.events().wants_tokens();
    run->execution_budget = context.CostRemaining().has_value();
    const bool budget = settings_->max_cost_usd.has_value() || run->execution_budget;
    if (!budget && !settings_->has_query_routes) return RunItems(std::move(run), std::move(done));

    // The ceilings need the catalogue's prices, query routes its models: get it once for the
    // whole run (the client's cache refreshes it as it ages).
    if (settings_->max_cost_usd.has_value()) {
      run->budget = std::make_shared<CostBudget>(*settings_->max_cost_usd);
    }
    absl::StatusOr<openrouter::Endpoint> endpoint =
        openrouter::ResolveEndpoint(context, settings_->credential);
    if (!endpoint.ok()) return done(endpoint.status());
    auto wait = sdk::CancellableWait<CataloguePtr>::Start(
        context.cancellation(),
        [run, budget, done = std::move(done)](absl::StatusOr<CataloguePtr> catalogue) mutable {
          if (!catalogue.ok() && run->context->cancellation().cancelled()) {
            done(catalogue.status());
            return;
          }
          if (!catalogue.ok() && budget) {
            done(sdk::Annotate(catalogue.status(),
                               run->budget != nullptr
                                   ? "router: max_cost_usd needs the model catalogue's prices"
                                   : "router: the workflow's max_cost_usd needs the model "
                                     "catalogue's prices"));
            return;
          }
          // Without a budget, query routes are skipped and the other routes still answer.
          if (catalogue.ok()) {
            run->catalogue = *std::move(catalogue);
          } else {
            run->catalogue_error = std::string(catalogue.status().message());
          }
          RunItems(std::move(run), std::move(done));
        });
    client_->GetCatalogue(
        *endpoint, context.http(), context.scheduler().clock(),
        [wait](absl::StatusOr<CataloguePtr> catalogue) { wait->Deliver(std::move(catalogue)); });
  }

 private:
  static void RunItems(std::shared_ptr<RouterRun> shared, sdk::NodeDone done) {
    std::shared_ptr<const RouterRun> run = std::move(shared);
    sdk::NodeContext& context = *run->context;
    sdk::ItemBatch::RunForNode(
        context, run->settings->concurrency,
        [run](size_t index, const sdk::CancellationToken& token,
              sdk::ItemBatch::ItemDone item_done) {
          StartRouteWalk(run, index, token, std::move(item_done));
        },
        std::move(done));
  }

  std::shared_ptr<const RouterSettings> settings_;
  std::shared_ptr<openrouter::OpenRouterClient> client_;
  std::shared_ptr<RouteHealthTable> health_;
  const Json output_schema_;
};

}  // namespace

FallbackRouterNodeType::FallbackRouterNodeType(std::shared_ptr<openrouter::OpenRouterClient> client,
                                               std::shared_ptr<RouteHealthTable> health)
    : client_(std::move(client)), health_(std::move(health)) {
  info_.type = "router.fallback";
  info_.version = 1;
  info_.description =
      "Answers each item from the first route that succeeds: chat models or other nodes, in "
      "order, escalating on chosen failures or a failed accept check, with a process-wide "
      "circuit breaker per route and a cost ceiling; the output lists every attempt.";
  info_.parameter_schema = RouterSchema();
  // Each node's own: exact when every route is a chat route, open when a node route may answer.
  info_.output_schema = sdk::OpenOutputSchema();
}

std::unique_ptr<sdk::Node> FallbackRouterNodeType::Create(sdk::NodeConfig& config) const {
  const Json& params = config.params();
  auto settings = std::make_shared<RouterSettings>();
  for (const char* name :
       {"credential", "max_cost_usd", "concurrency", "accept_schema", "cooldown", "stream",
        "hold_back", "max_cooldown", "failure_rate", "failure_min_calls", "failure_window"}) {
    if (config.IsDynamic(absl::StrCat("/", name))) {
      config.Error(absl::StrCat("/", name),
                   "must be a constant (it is fixed when the workflow loads)");
    }
  }
  settings->credential = openrouter::CredentialNameOf(params);
  settings->escalate_on = ClassesOf(config, "escalate_on", DefaultEscalateOn());
  settings->cooldown_on = ClassesOf(config, "cooldown_on", DefaultCooldownOn());
  ReadHealthPolicy(config, settings->health);
  settings->has_accept = params.contains("accept");
  if (auto it = params.find("accept_schema"); it != params.end() && it->is_object()) {
    if (absl::Status valid = sdk::CheckSchema(*it); !valid.ok()) {
      config.Error("/accept_schema", sdk::AsStd(valid.message()));
    }
    settings->accept_schema = *it;
  }
  if (auto it = params.find("max_cost_usd"); it != params.end() && it->is_number()) {
    settings->max_cost_usd = it->get<double>();
  }
  if (auto it = params.find("concurrency"); it != params.end() && it->is_number_integer()) {
    settings->concurrency = static_cast<size_t>(std::max<int64_t>(1, it->get<int64_t>()));
  }
  if (auto it = params.find("stream"); it != params.end() && it->is_boolean()) {
    settings->stream = it->get<bool>();
  }
  if (auto it = params.find("hold_back"); it != params.end() && it->is_boolean()) {
    settings->hold_back = it->get<bool>();
  }
  settings->has_query_routes = HasQueryRoute(params);
  CheckRoutes(config);
  return std::make_unique<FallbackRouterNode>(std::move(settings), client_, health_,
                                              RouterOutputSchema(params));
}

}  // namespace flowhost::nodes::router
