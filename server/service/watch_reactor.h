// One WatchExecution call: streams an execution's event log (execution_events.h) from a sequence
// number, first what the store holds, then each event as it is committed, and ends with OK after
// the execution's last event.
//
// Everything comes from the store, in sequence order, so the seam between the recorded events
// and the live ones has no gap and no duplicate: the watch reads from the next sequence it has
// not sent, writes what it read one event at a time (gRPC allows one write in flight; a slow
// reader delays reads, never the execution), and reads again. When it has caught up it waits for
// a wake-up: this server's recorder says when it committed an event of the execution
// (ExecutionRecorder::ListenForEvents), and a timer polls every `poll_interval` for events that
// another replica writes. Caught up with an execution that the store says is final, it ends;
// an execution that ended with no execution_finished in its log (it never ran: cancelled while
// queued, or failed when its server stopped) gets one made from its row.
//
// Ownership: gRPC holds the reactor until OnDone; the reactor shares its state (WatchState) with
// the store's callbacks, the timer and the recorder's listener, which may outlive it, and detaches
// from it in OnDone. Thread-safety: gRPC's reactions, the store's callbacks (on the store thread)
// and the timer (on the scheduler) may come from any thread; the state guards itself.
#ifndef FLOWHOST_SERVER_SERVICE_WATCH_REACTOR_H_
#define FLOWHOST_SERVER_SERVICE_WATCH_REACTOR_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "server/service/service_environment.h"

namespace flowhost::service {

class WatchState;

class WatchReactor : public grpc::ServerWriteReactor<v1::WatchExecutionResponse> {
 public:
  // How often a caught-up watch looks for events written by another replica.
  static constexpr absl::Duration kPollInterval = absl::Milliseconds(500);

  // Starts watching `request` for the caller of `context`. `refusal`, when not OK, finishes the
  // call at once with it (the caller may not, or the server keeps no history). `env.recorder`
  // and `env.scheduler` must be set otherwise.
  static WatchReactor* Start(const ServiceEnvironment& env, grpc::CallbackServerContext* context,
                             const v1::WatchExecutionRequest& request, absl::Status refusal);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  friend class WatchState;
  WatchReactor() = default;

  std::shared_ptr<WatchState> state_;
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_WATCH_REACTOR_H_
