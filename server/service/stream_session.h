// The event queue behind one StreamWorkflow call: the execution pushes events from any thread
// without ever waiting, and the session writes them to the caller one at a time (gRPC allows one
// write in flight), each next write started from the previous one's completion. This is the
// stream's flow control: a slow reader delays writes, never the execution.
//
// The queue is bounded: once `capacity / 2` events wait (the reader is far behind), a new token
// delta is merged into the queued delta of the same node, item and kind, so a slow reader gets
// fewer, longer deltas with the same text in the same order. Node and execution events are never
// merged or dropped (there are few of them: a workflow's nodes are bounded).
//
// Once Close has been called and the queue is drained, the session finishes the call with the final
// status. If the reader goes away, queued events are dropped and the call finishes as soon as the
// execution has closed the session.
//
// Ownership: shared by the call's reactor and the execution's observer (either may outlive the
// other); the writer (the reactor) detaches itself in Detach before it is destroyed. Thread-safety:
// every method may be called from any thread.
#ifndef FLOWHOST_SERVER_SERVICE_STREAM_SESSION_H_
#define FLOWHOST_SERVER_SERVICE_STREAM_SESSION_H_

#include <deque>
#include <memory>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "grpcpp/support/status.h"

namespace flowhost::service {

// Where a session's events go: the ServerWriteReactor, or a test's recorder. StartWrite's message
// stays valid until OnWriteDone; no second StartWrite comes before it; Finish comes once, with no
// write in flight.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  virtual void StartWrite(const v1::StreamWorkflowResponse* event) = 0;
  virtual void Finish(grpc::Status status) = 0;
};

class StreamSession {
 public:
  StreamSession(StreamWriter* writer, size_t capacity);

  // Queues an event. Ignored after Close.
  void Push(v1::StreamWorkflowResponse event);
  // Queues a token delta, merged into a queued one of the same attempt when the reader is far
  // behind (never across a tokens_reset of its item). `route`, `model` and `attempt` say where
  // the text comes from (TokenDelta's fields; empty / 0 when the node does not say).
  void PushTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                      std::string_view kind, std::string_view route = "",
                      std::string_view model = "", int attempt = 0);
  // No more events: finish the call with `status` once everything queued is written.
  void Close(grpc::Status status);

  // The writer's completion of the last StartWrite; `ok` false when the reader is gone.
  void OnWriteDone(bool ok);
  // The writer is going away: nothing more is written or finished through it.
  void Detach();

  // For tests and metrics: events waiting (not counting the one being written), and merges so far.
  size_t queued() const;
  size_t merged_deltas() const;

 private:
  // Starts the next write or the finish if one is due. Called without mu_ held.
  void Pump();

  mutable absl::Mutex mu_;
  StreamWriter* writer_ ABSL_GUARDED_BY(mu_);
  const size_t capacity_;
  std::deque<v1::StreamWorkflowResponse> queue_ ABSL_GUARDED_BY(mu_);
  v1::StreamWorkflowResponse current_;  // the event being written; touched only by the writing side
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool reader_gone_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  size_t merged_deltas_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_STREAM_SESSION_H_
