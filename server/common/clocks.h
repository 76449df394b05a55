// Clocks: the real one for the host, a manual one for tests that check timing without sleeping.
// Thread-safety: both are safe from any thread.
#ifndef FLOWHOST_SERVER_COMMON_CLOCKS_H_
#define FLOWHOST_SERVER_COMMON_CLOCKS_H_

#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/scheduler.h"

namespace flowhost::common {

class RealClock : public sdk::Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  static const RealClock& Get();
};

// Time stands still until a test advances it.
class ManualClock : public sdk::Clock {
 public:
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000)) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration delta) {
    absl::MutexLock lock(&mu_);
    now_ += delta;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_CLOCKS_H_
