// The hub's view of one worker's stream: a way to send it messages and to end it. Implemented by
// WorkerSession (the gRPC reactor); an interface so the hub does not depend on gRPC's types.
//
// Thread-safety: both methods may be called from any thread and never block.
#ifndef FLOWHOST_SERVER_REMOTE_WORKER_STREAM_H_
#define FLOWHOST_SERVER_REMOTE_WORKER_STREAM_H_

#include "absl/status/status.h"
#include "flowhost/plugin/v1/worker.pb.h"

namespace flowhost::remote {

class WorkerStream {
 public:
  virtual ~WorkerStream() = default;
  // Queues `message`; messages are written in the order they were sent. Dropped once Close ran.
  virtual void Send(plugin::v1::HostMessage message) = 0;
  // Ends the stream with `status` once what is queued is written. The first call wins.
  virtual void Close(const absl::Status& status) = 0;
};

}  // namespace flowhost::remote

#endif  // FLOWHOST_SERVER_REMOTE_WORKER_STREAM_H_
