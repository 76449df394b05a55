// Waits for one asynchronous result (a catalogue from the shared cache, say) while honouring a
// cancellation token: whichever comes first, the result or the cancellation, completes `done` once;
// the other is ignored. This lets a node finish promptly on cancellation even when the thing it
// waits for is shared with others and cannot be aborted.
//
// Ownership: Start returns a shared handle; hand a copy to the producer, which calls Deliver().
// Thread-safety: Deliver and the cancellation may race from any threads; `done` runs exactly once,
// inline in Start when the token is already cancelled.
#ifndef FLOWHOST_SDK_CANCELLABLE_WAIT_H_
#define FLOWHOST_SDK_CANCELLABLE_WAIT_H_

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/cancellation.h"

namespace flowhost::sdk {

template <typename T>
class CancellableWait : public std::enable_shared_from_this<CancellableWait<T>> {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<T>)>;

  static std::shared_ptr<CancellableWait> Start(CancellationToken token, Done done) {
    std::shared_ptr<CancellableWait> wait(new CancellableWait(token, std::move(done)));
    std::weak_ptr<CancellableWait> weak = wait;
    // Holds the wait weakly: the token's callback list must not keep it (or the token) alive.
    CancellationToken::CallbackId id = token.OnCancel([weak] {
      if (auto self = weak.lock()) self->Deliver(self->token_.reason());
    });
    bool already_done = false;
    {
      absl::MutexLock lock(&wait->mu_);
      already_done = wait->fired_;
      if (!already_done) wait->cancel_id_ = id;
    }
    if (already_done) token.Unregister(id);
    return wait;
  }

  // Completes the wait with `value` unless it has completed already.
  void Deliver(absl::StatusOr<T> value) {
    Done done;
    CancellationToken::CallbackId id = 0;
    {
      absl::MutexLock lock(&mu_);
      if (fired_) return;
      fired_ = true;
      done = std::move(done_);
      id = cancel_id_;
    }
    token_.Unregister(id);
    done(std::move(value));
  }

 private:
  CancellableWait(CancellationToken token, Done done)
      : token_(std::move(token)), done_(std::move(done)) {}

  const CancellationToken token_;
  absl::Mutex mu_;
  Done done_ ABSL_GUARDED_BY(mu_);
  bool fired_ ABSL_GUARDED_BY(mu_) = false;
  CancellationToken::CallbackId cancel_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_CANCELLABLE_WAIT_H_
