#include "nodes/router/cost_budget.h"

#include <algorithm>
#include <string>
#include <vector>

#include "flowhost/openrouter/client.h"

namespace flowhost::nodes::router {

bool CostBudget::Reserve(double worst_case_usd) {
  absl::MutexLock lock(&mu_);
  // A tiny tolerance so that a worst case equal to the ceiling is allowed despite rounding.
  if (spent_ + reserved_ + worst_case_usd > max_usd_ * (1 + 1e-9)) return false;
  reserved_ += worst_case_usd;
  return true;
}

void CostBudget::Settle(double reserved_usd, double actual_usd) {
  absl::MutexLock lock(&mu_);
  reserved_ = std::max(0.0, reserved_ - reserved_usd);
  spent_ += actual_usd;
}

void CostBudget::Spend(double actual_usd) {
  absl::MutexLock lock(&mu_);
  spent_ += actual_usd;
}

double CostBudget::spent() const {
  absl::MutexLock lock(&mu_);
  return spent_;
}

double CostBudget::remaining() const {
  absl::MutexLock lock(&mu_);
  return std::max(0.0, max_usd_ - spent_ - reserved_);
}

std::optional<double> WorstCaseCost(const openrouter::CatalogueModel& model,
                                    const sdk::Json& body) {
  int64_t prompt_tokens = openrouter::EstimatePromptTokens(body);
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

std::optional<double> WorstCaseCost(const openrouter::Catalogue& catalogue, const sdk::Json& body) {
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
    const openrouter::CatalogueModel* model = catalogue.Find(id);
    if (model == nullptr) return std::nullopt;
    std::optional<double> cost = WorstCaseCost(*model, body);
    if (!cost.has_value()) return std::nullopt;
    worst = std::max(worst, *cost);
  }
  return worst;
}

}  // namespace flowhost::nodes::router
