#include "flowhost/sdk/cancellation.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace flowhost::sdk {

// The shared state behind a source and its tokens.
class CancellationState {
 public:
  explicit CancellationState(absl::Time deadline) : deadline_(deadline) {}

  absl::Time deadline() const { return deadline_; }

  bool cancelled() const {
    absl::MutexLock lock(&mu_);
    return !reason_.ok();
  }

  absl::Status reason() const {
    absl::MutexLock lock(&mu_);
    return reason_;
  }

  CancellationToken::CallbackId Add(CancellationToken::Callback callback) {
    {
      absl::MutexLock lock(&mu_);
      if (reason_.ok()) {
        CancellationToken::CallbackId id = ++next_id_;
        callbacks_.emplace(id, std::move(callback));
        return id;
      }
    }
    callback();
    return 0;
  }

  bool Remove(CancellationToken::CallbackId id) {
    absl::MutexLock lock(&mu_);
    return callbacks_.erase(id) > 0;
  }

  void Cancel(absl::Status reason) {
    std::map<CancellationToken::CallbackId, CancellationToken::Callback> callbacks;
    {
      absl::MutexLock lock(&mu_);
      if (!reason_.ok()) return;
      reason_ = reason.ok() ? absl::CancelledError("cancelled") : std::move(reason);
      callbacks.swap(callbacks_);
    }
    // Run outside the lock: a callback may cancel children or unregister others.
    for (auto& [id, callback] : callbacks) callback();
  }

 private:
  const absl::Time deadline_;
  mutable absl::Mutex mu_;
  absl::Status reason_ ABSL_GUARDED_BY(mu_);
  CancellationToken::CallbackId next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<CancellationToken::CallbackId, CancellationToken::Callback> callbacks_
      ABSL_GUARDED_BY(mu_);
};

CancellationToken::CancellationToken()
    : state_(std::make_shared<CancellationState>(absl::InfiniteFuture())) {}

CancellationToken::CancellationToken(std::shared_ptr<CancellationState> state)
    : state_(std::move(state)) {}

bool CancellationToken::cancelled() const { return state_->cancelled(); }
absl::Status CancellationToken::reason() const { return state_->reason(); }
absl::Time CancellationToken::deadline() const { return state_->deadline(); }

CancellationToken::CallbackId CancellationToken::OnCancel(Callback callback) const {
  return state_->Add(std::move(callback));
}

bool CancellationToken::Unregister(CallbackId id) const { return id != 0 && state_->Remove(id); }

CancellationSource::CancellationSource(absl::Time deadline)
    : state_(std::make_shared<CancellationState>(deadline)) {}

CancellationSource::CancellationSource(const CancellationToken& parent, absl::Time deadline)
    : state_(std::make_shared<CancellationState>(std::min(parent.deadline(), deadline))),
      parent_(parent) {
  // The callback holds the state, not `this`, so it stays safe if it races with destruction.
  // Weak pointers both ways: the parent's callback list must not keep either state alive.
  std::weak_ptr<CancellationState> weak = state_;
  std::weak_ptr<CancellationState> weak_parent = parent.state_;
  parent_callback_ = parent_.OnCancel([weak, weak_parent]() {
    auto state = weak.lock();
    auto parent_state = weak_parent.lock();
    if (state && parent_state) state->Cancel(parent_state->reason());
  });
}

CancellationSource::~CancellationSource() { parent_.Unregister(parent_callback_); }

void CancellationSource::Cancel(absl::Status reason) { state_->Cancel(std::move(reason)); }

CancellationToken CancellationSource::token() const { return CancellationToken(state_); }

}  // namespace flowhost::sdk
