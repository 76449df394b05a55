#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flowhost/openrouter/client.h"

namespace flowhost::nodes::openrouter {

std::optional<double> WorstCaseCost(const CatalogueModel& model, const sdk::Json& body) {
  int64_t prompt_tokens = EstimatePromptTokens(body);
  int64_t completion_tokens = 0;
  if (auto it = body.find("max_tokens"); it != body.end() && it->is_number_integer()) {
    completion_tokens = it->get<int64_t>();
  } else if (model.max_completion_tokens > 0) {
    completion_tokens = model.max_completion_tokens;
  } else {
    completion_tokens = std::max<int64_t>(0, model.context_length - prompt_tokens);
  }
  return model.CostOf(prompt_tokens, completion_tokens);
}

std::optional<double> WorstCaseCost(const Catalogue& catalogue, const sdk::Json& body) {
  std::vector<std::string> ids;
  if (auto it = body.find("model"); it != body.end() && it->is_string()) {
    ids.push_back(it->get<std::string>());
  }
  if (auto it = body.find("models"); it != body.end() && it->is_array()) {
    for (const sdk::Json& id : *it) {
      if (id.is_string()) ids.push_back(id.get<std::string>());
    }
  }
  if (ids.empty()) return std::nullopt;
  double worst = 0;
  for (const std::string& id : ids) {
    const CatalogueModel* model = catalogue.Find(id);
    if (model == nullptr) return std::nullopt;
    std::optional<double> cost = WorstCaseCost(*model, body);
    if (!cost.has_value()) return std::nullopt;
    worst = std::max(worst, *cost);
  }
  return worst;
}

}  // namespace flowhost::nodes::openrouter
