// One worker's WorkerHost.Connect stream on the host: a gRPC callback reactor that reads the
// worker's messages into the hub (the first must be a Hello) and writes the hub's messages out in
// order, one write at a time. What the hub sends while a write is on the wire (or while the session
// hands the hub a message, whose answers leave together) goes out as one HostBatch when the
// worker's Hello said it takes batches, else message by message. It never blocks a gRPC thread:
// reads and writes are asynchronous and the hub only updates tables.
//
// Ownership: created by the service for each call, deleted by itself in OnDone (after it has told
// the hub the stream is gone). Thread-safety: Send and Close may be called from any thread.
#ifndef FLOWHOST_SERVER_REMOTE_WORKER_SESSION_H_
#define FLOWHOST_SERVER_REMOTE_WORKER_SESSION_H_

#include <deque>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "flowhost/plugin/v1/worker.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/remote/worker_hub.h"
#include "server/remote/worker_stream.h"

namespace flowhost::remote {

class WorkerSession final
    : public grpc::ServerBidiReactor<plugin::v1::WorkerMessage, plugin::v1::HostMessage>,
      public WorkerStream {
 public:
  explicit WorkerSession(std::shared_ptr<WorkerHub> hub);

  void Send(plugin::v1::HostMessage message) override;
  void Close(const absl::Status& status) override;

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override;

 private:
  // Starts writing the front of the queue: one message, or as many as fit in a batch.
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets `reacting_`: sends queue without starting a write until it is cleared again.
  void SetReacting(bool reacting);

  const std::shared_ptr<WorkerHub> hub_;
  plugin::v1::WorkerMessage incoming_;  // only the reactor's read chain touches it
  bool admitted_ = false;               // likewise

  absl::Mutex mu_;
  std::deque<plugin::v1::HostMessage> outgoing_ ABSL_GUARDED_BY(mu_);
  plugin::v1::HostMessage in_write_ ABSL_GUARDED_BY(mu_);  // what StartWrite was given
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool batches_ ABSL_GUARDED_BY(mu_) = false;   // the worker's Hello takes HostBatch
  bool reacting_ ABSL_GUARDED_BY(mu_) = false;  // the hub is handling a worker message
  bool closing_ ABSL_GUARDED_BY(mu_) = false;   // Close called: no more sends accepted
  bool finished_ ABSL_GUARDED_BY(mu_) = false;  // Finish called
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::remote

#endif  // FLOWHOST_SERVER_REMOTE_WORKER_SESSION_H_
