#include "nodes/router/query_route.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flowhost::nodes::router {

using sdk::Json;

QueryResolution ResolveQueryRoute(const Route& query_route,
                                  const openrouter::Catalogue& catalogue, absl::Time now,
                                  const std::function<bool(const Route&)>& is_open) {
  QueryResolution out;
  std::vector<const openrouter::CatalogueModel*> matched = query_route.query->Run(catalogue);
  Json picked = Json::array(), expired = Json::array(), open = Json::array();
  for (const openrouter::CatalogueModel* model : matched) {
    if (model->ExpiredAt(now)) {
      expired.push_back(model->id);
      continue;
    }
    if (query_route.query_models > 0 && out.routes.size() >= query_route.query_models) continue;
    Route route;
    route.kind = Route::Kind::kChat;
    route.name = absl::StrCat(query_route.name, ": ", model->id);
    route.index = query_route.index;
    route.chat = query_route.chat;
    route.chat["model"] = model->id;
    route.model_label = model->id;
    route.timeout = query_route.timeout;
    route.attempts = query_route.attempts;
    route.cooldown = query_route.cooldown;
    if (is_open(route)) {
      open.push_back(model->id);
      continue;
    }
    picked.push_back(model->id);
    out.routes.push_back(std::move(route));
  }
  out.pick = Json{{"route", query_route.name},
                  {"picked", picked},
                  {"matched", matched.size()},
                  {"expired", expired},
                  {"open", open},
                  {"catalogue_fetched_at", absl::FormatTime(absl::RFC3339_sec,
                                                            catalogue.fetched_at(),
                                                            absl::UTCTimeZone())}};
  if (out.routes.empty()) {
    if (matched.empty()) {
      out.why_none = "no catalogue model matches its query";
    } else {
      out.why_none = absl::StrCat("none of the ", matched.size(), " matching models can be called");
      if (!expired.empty()) absl::StrAppend(&out.why_none, "; ", expired.size(), " expired");
      if (!open.empty()) {
        absl::StrAppend(&out.why_none, "; open: ",
                        absl::StrJoin(open.begin(), open.end(), ", ",
                                      [](std::string* s, const Json& id) {
                                        absl::StrAppend(s, id.get<std::string>());
                                      }));
      }
    }
  }
  return out;
}

}  // namespace flowhost::nodes::router
