#include "server/executor/item_budget.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"

namespace flowhost::executor {

ItemBudget::ItemBudget(size_t limit, std::string_view holder, std::string_view limit_name,
                       ItemBudget* parent)
    : limit_(limit), holder_(holder), limit_name_(limit_name), parent_(parent) {}

bool ItemBudget::TryReserve(size_t bytes) {
  size_t before = used_.fetch_add(bytes, std::memory_order_relaxed);
  if (before <= limit_ && bytes <= limit_ - before) return true;
  used_.fetch_sub(bytes, std::memory_order_relaxed);
  return false;
}

absl::Status ItemBudget::Reserve(size_t bytes) {
  if (!TryReserve(bytes)) return Exceeded();
  if (parent_ != nullptr) {
    if (absl::Status status = parent_->Reserve(bytes); !status.ok()) {
      used_.fetch_sub(bytes, std::memory_order_relaxed);
      return status;
    }
  }
  return absl::OkStatus();
}

void ItemBudget::Release(size_t bytes) {
  used_.fetch_sub(bytes, std::memory_order_relaxed);
  if (parent_ != nullptr) parent_->Release(bytes);
}

size_t ItemBudget::available() const {
  size_t used = this->used();
  size_t here = used < limit_ ? limit_ - used : 0;
  return parent_ != nullptr ? std::min(here, parent_->available()) : here;
}

absl::Status ItemBudget::Refusal(size_t bytes) const {
  size_t used = this->used();
  if (used > limit_ || bytes > limit_ - used) return Exceeded();
  return parent_ != nullptr ? parent_->Refusal(bytes) : absl::OkStatus();
}

absl::Status ItemBudget::Exceeded() const {
  return sdk::NodeError(
      absl::StatusCode::kResourceExhausted, sdk::error_class::kLimitExceeded,
      absl::StrCat(sdk::AsAbsl(holder_), " would hold more than ", sdk::AsAbsl(limit_name_), " (",
                   limit_, " bytes) of items; it holds ", used()));
}

}  // namespace flowhost::executor
