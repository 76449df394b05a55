#include "server/executor/cost_budget.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_format.h"
#include "flowhost/sdk/error.h"

namespace flowhost::executor {
namespace {

double Amount(double usd) { return std::isfinite(usd) && usd > 0 ? usd : 0; }

// A worst case equal to what is left fits, despite rounding in the sums.
constexpr double kTolerance = 1e-9;

}  // namespace

CostBudget::CostBudget(double max_usd, std::string workflow, std::shared_ptr<CostBudget> parent)
    : max_usd_(max_usd), workflow_(std::move(workflow)), parent_(std::move(parent)) {}

bool CostBudget::TryReserve(double usd) {
  absl::MutexLock lock(&mu_);
  if (spent_ + reserved_ + usd > max_usd_ * (1 + kTolerance)) return false;
  reserved_ += usd;
  return true;
}

absl::Status CostBudget::Reserve(double usd) {
  if (!std::isfinite(usd) || usd < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("a cost reservation must be a finite amount of at least 0, got %g", usd));
  }
  if (!TryReserve(usd)) return Exceeded(usd);
  if (parent_ != nullptr) {
    if (absl::Status status = parent_->Reserve(usd); !status.ok()) {
      SettleHere(usd, 0);
      return status;
    }
  }
  return absl::OkStatus();
}

void CostBudget::SettleHere(double reserved_usd, double actual_usd) {
  absl::MutexLock lock(&mu_);
  reserved_ = std::max(0.0, reserved_ - Amount(reserved_usd));
  spent_ += Amount(actual_usd);
}

void CostBudget::Settle(double reserved_usd, double actual_usd) {
  SettleHere(reserved_usd, actual_usd);
  if (parent_ != nullptr) parent_->Settle(reserved_usd, actual_usd);
}

double CostBudget::spent() const {
  absl::MutexLock lock(&mu_);
  return spent_;
}

double CostBudget::remaining() const {
  double here;
  {
    absl::MutexLock lock(&mu_);
    here = std::max(0.0, max_usd_ - spent_ - reserved_);
  }
  return parent_ != nullptr ? std::min(here, parent_->remaining()) : here;
}

sdk::Json CostBudget::ToJson() const {
  return sdk::Json{{"max_usd", max_usd_}, {"spent_usd", spent()}, {"remaining_usd", remaining()}};
}

absl::Status CostBudget::Exceeded(double usd) const {
  double spent;
  double reserved;
  {
    absl::MutexLock lock(&mu_);
    spent = spent_;
    reserved = reserved_;
  }
  return sdk::NodeError(
      absl::StatusCode::kResourceExhausted, sdk::error_class::kLimitExceeded,
      absl::StrFormat("workflow '%s' max_cost_usd $%.6f cannot cover a call's worst case of $%.6f: "
                      "$%.6f left ($%.6f spent, $%.6f reserved by calls in flight)",
                      workflow_, max_usd_, usd, std::max(0.0, max_usd_ - spent - reserved), spent,
                      reserved));
}

}  // namespace flowhost::executor
