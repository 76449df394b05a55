#include "nodes/router/cost_budget.h"

#include <algorithm>

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

}  // namespace flowhost::nodes::router
