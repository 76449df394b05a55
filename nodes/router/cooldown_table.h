// Which routes are cooling down, shared by every execution in the process: route key -> until when,
// and why. The router puts a route here when it gives up on it (for the Retry-After the upstream
// gave, or the configured period) and skips it while the entry lasts, without calling it.
//
// A route key names what was called, not where it was configured: "chat:<base url>|<model>" or
// "node:<workflow>/<node>", so two workflows using the same model share its cool-down.
//
// Ownership: the router node type owns one table for the process (shared_ptr).
// Thread-safety: safe from any thread.
#ifndef FLOWHOST_NODES_ROUTER_COOLDOWN_TABLE_H_
#define FLOWHOST_NODES_ROUTER_COOLDOWN_TABLE_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace flowhost::nodes::router {

class CooldownTable {
 public:
  struct Entry {
    absl::Time until;
    std::string error_class;  // the failure that started it
  };

  // Bounds the table; expired entries are dropped first when it is full, then the earliest to end.
  explicit CooldownTable(size_t max_entries = 10'000) : max_entries_(max_entries) {}

  // Puts `key` in cool-down until `until` (`now` is the present, for pruning). An existing, longer
  // cool-down is kept.
  void CoolDown(const std::string& key, absl::Time now, absl::Time until,
                std::string_view error_class);

  // The entry for `key` if it is still cooling down at `now`.
  std::optional<Entry> Active(std::string_view key, absl::Time now) const;

  // Ends every cool-down (for tests and operators).
  void Clear();

  size_t size() const;

 private:
  void Prune(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_entries_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_COOLDOWN_TABLE_H_
