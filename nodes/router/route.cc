#include "nodes/router/route.h"

#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/duration.h"
#include "flowhost/sdk/error.h"

namespace flowhost::nodes::router {
namespace {

using sdk::Json;

absl::Status Invalid(std::string message) {
  return sdk::NodeError(absl::StatusCode::kInvalidArgument, sdk::error_class::kInvalidInput,
                        message);
}

// A route's duration setting (sdk/duration.h), or INVALID_ARGUMENT naming `where` it was written.
absl::StatusOr<absl::Duration> RouteDuration(const Json& value, const std::string& where) {
  absl::StatusOr<absl::Duration> duration = sdk::ParseDuration(value);
  if (!duration.ok()) return Invalid(absl::StrCat(where, ": ", duration.status().message()));
  return duration;
}

}  // namespace

absl::StatusOr<std::vector<Route>> RoutesFromParams(const Json& params) {
  auto routes = params.find("routes");
  if (routes == params.end() || !routes->is_array() || routes->empty()) {
    return Invalid("routes: at least one route is needed");
  }
  std::vector<Route> out;
  std::set<std::string> names;
  for (size_t i = 0; i < routes->size(); ++i) {
    const Json& spec = (*routes)[i];
    std::string where = absl::StrCat("routes[", i, "]");
    if (!spec.is_object()) return Invalid(absl::StrCat(where, ": must be an object"));
    Route route;
    route.index = i;
    if (auto node = spec.find("node"); node != spec.end() && node->is_string()) {
      route.kind = Route::Kind::kNode;
      route.node = node->get<std::string>();
      route.name = route.node;
    } else {
      // Shared settings first, the route's own over them.
      for (const std::string& name : openrouter::ChatSettingNames()) {
        if (auto it = params.find(name); it != params.end()) route.chat[name] = *it;
      }
      for (const auto& [key, value] : spec.items()) {
        if (key == "name" || key == "timeout" || key == "attempts" || key == "cooldown" ||
            key == "query") {
          continue;
        }
        route.chat[key] = value;
      }
      if (auto query = spec.find("query"); query != spec.end()) {
        if (!query->is_object()) return Invalid(absl::StrCat(where, ".query: must be an object"));
        absl::StatusOr<openrouter::ModelQuery> parsed = openrouter::ModelQuery::FromParams(*query);
        if (!parsed.ok()) {
          return Invalid(absl::StrCat(where, ".query.", parsed.status().message()));
        }
        route.kind = Route::Kind::kQuery;
        route.query_models = query->contains("limit") ? parsed->limit : kDefaultQueryModels;
        parsed->limit = 0;
        route.query = std::make_shared<const openrouter::ModelQuery>(*std::move(parsed));
        route.chat.erase("model");
        route.chat.erase("models");
        route.name = "query";
      } else {
        route.kind = Route::Kind::kChat;
        route.model_label = openrouter::ModelLabel(route.chat);
        if (route.model_label.empty()) {
          return Invalid(absl::StrCat(where, ": set 'model', 'models', 'query' or 'node'"));
        }
        route.name = route.model_label;
      }
    }
    if (auto name = spec.find("name"); name != spec.end() && name->is_string()) {
      route.name = name->get<std::string>();
    }
    if (names.count(route.name) > 0) route.name = absl::StrCat(route.name, "#", i + 1);
    names.insert(route.name);
    if (auto timeout = spec.find("timeout"); timeout != spec.end() && !timeout->is_null()) {
      absl::StatusOr<absl::Duration> parsed = RouteDuration(*timeout, where + ".timeout");
      if (!parsed.ok()) return parsed.status();
      route.timeout = *parsed;
    }
    if (auto cooldown = spec.find("cooldown"); cooldown != spec.end() && !cooldown->is_null()) {
      absl::StatusOr<absl::Duration> parsed = RouteDuration(*cooldown, where + ".cooldown");
      if (!parsed.ok()) return parsed.status();
      route.cooldown = *parsed;
    }
    if (auto attempts = spec.find("attempts"); attempts != spec.end() && attempts->is_number()) {
      route.attempts = std::max(1, attempts->get<int>());
    }
    out.push_back(std::move(route));
  }
  return out;
}

std::string RouteKey(const Route& route, std::string_view base_url, std::string_view workflow) {
  if (route.kind == Route::Kind::kNode) {
    return absl::StrCat("node:", sdk::AsAbsl(workflow), "/", route.node);
  }
  // Never called itself: the models it resolves to have their own keys.
  if (route.kind == Route::Kind::kQuery) return absl::StrCat("query:", route.name);
  return absl::StrCat("chat:", sdk::AsAbsl(base_url), "|", route.model_label);
}

}  // namespace flowhost::nodes::router
