#include "nodes/router/cooldown_table.h"

#include <algorithm>

namespace flowhost::nodes::router {

void CooldownTable::CoolDown(const std::string& key, absl::Time now, absl::Time until,
                             std::string_view error_class) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    if (it->second.until < until) it->second = Entry{until, std::string(error_class)};
    return;
  }
  if (entries_.size() >= max_entries_) Prune(now);
  entries_.emplace(key, Entry{until, std::string(error_class)});
}

std::optional<CooldownTable::Entry> CooldownTable::Active(std::string_view key,
                                                          absl::Time now) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.until <= now) return std::nullopt;
  return it->second;
}

void CooldownTable::Clear() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
}

size_t CooldownTable::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

// Called when full: first drops entries that have ended, then, if still full, the one that ends
// first.
void CooldownTable::Prune(absl::Time now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.until <= now ? entries_.erase(it) : std::next(it);
  }
  if (entries_.size() < max_entries_ || entries_.empty()) return;
  auto earliest = std::min_element(
      entries_.begin(), entries_.end(),
      [](const auto& a, const auto& b) { return a.second.until < b.second.until; });
  entries_.erase(earliest);
}

}  // namespace flowhost::nodes::router
