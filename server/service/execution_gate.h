// Admission of executions into the server: at most `max_in_flight` at once (more are refused at
// once with RESOURCE_EXHAUSTED, class "limit_exceeded": no queueing, the caller decides when to
// retry), none while the server drains (UNAVAILABLE, class "unavailable"), and a way for shutdown
// to wait for the ones in flight (a wait that can be cut short) and then cancel the stragglers.
//
// Each admitted execution holds a Ticket for as long as it runs; dropping the ticket lets the next
// one in. Attaching the execution's handle to the ticket lets CancelAll reach it.
//
// Ownership: the server owns the gate; it must outlive every ticket.
// Thread-safety: all methods may be called from any thread.
#ifndef FLOWHOST_SERVER_SERVICE_EXECUTION_GATE_H_
#define FLOWHOST_SERVER_SERVICE_EXECUTION_GATE_H_

#include <cstdint>
#include <map>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/executor/executor.h"

namespace flowhost::service {

class ExecutionGate {
 public:
  // An admitted execution's place. Destroying it releases the place.
  class Ticket {
   public:
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

    // Lets CancelAll reach the execution. If CancelAll already ran, cancels `handle` at once.
    void Attach(std::shared_ptr<executor::ExecutionHandle> handle);

   private:
    friend class ExecutionGate;
    Ticket(ExecutionGate& gate, uint64_t id) : gate_(gate), id_(id) {}
    ExecutionGate& gate_;
    const uint64_t id_;
  };

  explicit ExecutionGate(size_t max_in_flight);

  // A ticket, or RESOURCE_EXHAUSTED when `max_in_flight` executions are running, or UNAVAILABLE
  // once draining has begun.
  absl::StatusOr<std::unique_ptr<Ticket>> Enter();

  // Refuses every later Enter. Idempotent.
  void StartDraining();
  bool draining() const;

  // Blocks until no ticket is held or `timeout` passes; returns whether the gate emptied. For the
  // shutdown thread only.
  bool WaitUntilIdle(absl::Duration timeout) const;

  // The drain's grace period: like WaitUntilIdle, but EndGracePeriod (from another thread) also
  // ends the wait, at once and for good.
  bool WaitForDrain(absl::Duration grace_period) const;
  void EndGracePeriod();
  bool grace_period_ended() const;

  // Cancels every attached execution (and any attached later) with `reason`.
  void CancelAll(absl::Status reason);

  size_t in_flight() const;
  size_t max_in_flight() const { return max_in_flight_; }

  // Calls `freed` after each ticket's place is released (on the releasing thread, outside the
  // gate's lock; it must be quick): the resumer then claims queued work, if it saw some while the
  // gate was full. Replaces any earlier listener.
  void SetReleaseListener(absl::AnyInvocable<void()> freed);

 private:
  void Release(uint64_t id);
  void Attach(uint64_t id, std::shared_ptr<executor::ExecutionHandle> handle);

  const size_t max_in_flight_;
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool grace_period_ended_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status cancel_reason_ ABSL_GUARDED_BY(mu_);  // set by CancelAll
  // Admitted executions; the handle is null until attached.
  std::map<uint64_t, std::shared_ptr<executor::ExecutionHandle>> admitted_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<absl::AnyInvocable<void()>> release_listener_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_EXECUTION_GATE_H_
