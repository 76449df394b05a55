// Cancellation with a deadline, shared by an execution and everything that works for it.
//
// The host owns a CancellationSource per execution (cancelled when the caller goes away, when the
// execution's deadline passes, or on shutdown) and derives a child per node attempt (with the node's own
// timeout). A node reads the token it is given: it checks `cancelled()`, passes `deadline()` on to the
// HTTP client, and registers `OnCancel` callbacks that abort its outstanding work at once.
//
// Thread-safety: all methods are safe from any thread. Callbacks run exactly once, on the thread that
// cancels (or inline in OnCancel if already cancelled); they must be short and must not block.
#ifndef FLOWHOST_SDK_CANCELLATION_H_
#define FLOWHOST_SDK_CANCELLATION_H_

#include <cstdint>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace flowhost::sdk {

class CancellationState;

// A read-only view of a cancellation. Cheap to copy; keeps the shared state alive.
class CancellationToken {
 public:
  using Callback = absl::AnyInvocable<void()>;
  using CallbackId = uint64_t;

  // A token that is never cancelled and has no deadline.
  CancellationToken();

  bool cancelled() const;

  // Why the work was cancelled: CANCELLED, DEADLINE_EXCEEDED (with the message the canceller gave), or
  // OK while not cancelled.
  absl::Status reason() const;

  // When the work must be done by (absl::InfiniteFuture() when unbounded). Reaching the deadline does
  // not cancel by itself: the owner of the source arms a timer for it.
  absl::Time deadline() const;

  // Registers `callback` to run once on cancellation; runs it inline (and returns 0) if already
  // cancelled. Unregister before the objects the callback uses are destroyed.
  CallbackId OnCancel(Callback callback) const;

  // Removes a callback. Returns false if it has already run or is running.
  bool Unregister(CallbackId id) const;

 private:
  friend class CancellationSource;
  explicit CancellationToken(std::shared_ptr<CancellationState> state);
  std::shared_ptr<CancellationState> state_;
};

// The owning side: cancels its token and every child derived from it.
class CancellationSource {
 public:
  // A root source with a deadline (InfiniteFuture for none).
  explicit CancellationSource(absl::Time deadline = absl::InfiniteFuture());

  // A child: cancelled when `parent` is, or on its own; its deadline is min(parent's, `deadline`).
  CancellationSource(const CancellationToken& parent, absl::Time deadline);

  ~CancellationSource();
  CancellationSource(const CancellationSource&) = delete;
  CancellationSource& operator=(const CancellationSource&) = delete;

  // Cancels with `reason` (must not be OK). The first call wins; later calls are no-ops.
  void Cancel(absl::Status reason);

  CancellationToken token() const;

 private:
  std::shared_ptr<CancellationState> state_;
  CancellationToken parent_;
  CancellationToken::CallbackId parent_callback_ = 0;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_CANCELLATION_H_
