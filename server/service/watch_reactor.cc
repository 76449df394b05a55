#include "server/service/watch_reactor.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/service/execution_events.h"
#include "server/service/execution_recorder.h"
#include "server/service/status_mapping.h"

namespace flowhost::service {

// Events read from the store at a time.
constexpr int kReadBatch = 256;

// The watch itself (watch_reactor.h): shared by the reactor, the store's callbacks, the poll
// timer and the recorder's listener.
class WatchState : public std::enable_shared_from_this<WatchState> {
 public:
  WatchState(const ServiceEnvironment& env, WatchReactor* reactor,
             grpc::CallbackServerContext* context, std::string id, int64_t first_sequence)
      : env_(env), context_(context), id_(std::move(id)), reactor_(reactor), next_(first_sequence) {}

  // Listens for this server's events of the execution, then reads the log.
  void Begin() {
    std::weak_ptr<WatchState> weak = weak_from_this();
    ExecutionRecorder::ListenerToken token = env_.recorder->ListenForEvents(id_, [weak] {
      if (auto self = weak.lock()) self->Wake();
    });
    {
      absl::MutexLock lock(&mu_);
      listener_ = token;
    }
    Read();
  }

  // New events may be there: read them now.
  void Wake() {
    sdk::TimerId poll = 0;
    {
      absl::MutexLock lock(&mu_);
      std::swap(poll, poll_);
    }
    if (poll != 0 && env_.scheduler != nullptr) env_.scheduler->Cancel(poll);
    Read();
  }

  void OnWriteDone(bool ok) {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away"));
    }
    Pump();
  }

  void OnCancel() {
    {
      absl::MutexLock lock(&mu_);
      EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away"));
    }
    Pump();
  }

  // The reactor is going away: nothing more is written, and nobody wakes this watch.
  void Detach() {
    sdk::TimerId poll = 0;
    sdk::TimerId output_retry = 0;
    ExecutionRecorder::ListenerToken listener = 0;
    {
      absl::MutexLock lock(&mu_);
      reactor_ = nullptr;
      pending_.clear();
      std::swap(poll, poll_);
      std::swap(output_retry, output_retry_);
      std::swap(listener, listener_);
    }
    if (poll != 0 && env_.scheduler != nullptr) env_.scheduler->Cancel(poll);
    if (output_retry != 0 && env_.scheduler != nullptr) env_.scheduler->Cancel(output_retry);
    if (listener != 0) env_.recorder->StopListening(listener);
  }

 private:
  // Reads the log from next_, unless a read is in flight (it reads again after), events wait to
  // be written (Pump reads once they are), or the watch has ended.
  void Read() {
    int64_t from = 0;
    {
      absl::MutexLock lock(&mu_);
      if (ended_ || reactor_ == nullptr) return;
      if (reading_) {
        read_again_ = true;
        return;
      }
      if (writing_ || !pending_.empty()) return;
      reading_ = true;
      read_again_ = false;
      from = next_;
    }
    absl::Status queued = env_.recorder->store().ReadEvents(
        id_, from, kReadBatch,
        [self = shared_from_this()](absl::StatusOr<std::vector<store::EventRow>> events) {
          self->OnRead(std::move(events));
        });
    if (!queued.ok()) Fail(queued);
  }

  void OnRead(absl::StatusOr<std::vector<store::EventRow>> events) {
    if (!events.ok()) return Fail(events.status());
    bool caught_up = false;
    bool fetch_output = false;
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      for (store::EventRow& row : *events) {
        read_any_ = true;
        if (row.sequence < next_) continue;  // (a batch row's sequence is its last event's)
        if (row.kind == kEventBatchKind) {
          absl::StatusOr<std::vector<BatchedEvent>> batch = DecodeEventBatch(row.payload);
          if (!batch.ok()) {
            EndLocked(FailLocked(absl::DataLossError(
                absl::StrCat("the events up to ", row.sequence, " of execution ", id_,
                             " do not decode: ", batch.status().message()))));
            break;
          }
          for (const BatchedEvent& event : *batch) {
            if (event.sequence < next_) continue;
            if (AcceptLocked(event.sequence, row.kind, event.payload, event.output_in_row)) break;
          }
          next_ = std::max(next_, row.sequence + 1);
        } else if (row.kind != "events_truncated") {  // the cap's marker: nothing to send
          AcceptLocked(row.sequence, row.kind, row.payload, row.kind == kFinishedOutputInRowKind);
        } else {
          next_ = row.sequence + 1;
        }
        if (ended_) break;
      }
      fetch_output = output_pending_;
      if (events->empty() && !ended_) {
        if (final_row_.has_value()) {
          // Caught up with a finished execution: its log says all there is. Without an
          // execution_finished in it (one that ended without running, or a log cut at the event
          // cap), one is made from its record, numbered after the log. A watch that found no row
          // from its from_sequence on (past 1) asked from past the end: the log's own
          // execution_finished, if any, came before, so nothing is sent twice.
          if (!sent_finished_ && (read_any_ || next_ == 1)) {
            v1::WatchExecutionResponse response;
            response.set_sequence(next_);
            *response.mutable_event() = FinishedEventFromRow(*final_row_, *env_.scrubber);
            pending_.push_back(std::move(response));
          }
          EndLocked(grpc::Status::OK);
        } else if (read_again_) {
          read_again_ = false;
        } else {
          caught_up = true;
          reading_ = true;  // until the status check below has answered
        }
      }
    }
    if (caught_up) return CheckStatus();
    if (fetch_output) FetchOutput();
    Pump();
  }

  // The execution_finished waiting in pending_ left its output items to the execution's row:
  // reads them (GetExecution resolves an output kept as a reference to the nodes' outputs).
  void FetchOutput() {
    store::GetOptions options;
    options.with_nodes = false;
    options.with_items = true;
    absl::Status queued = env_.recorder->store().GetExecution(
        id_, options, [self = shared_from_this()](absl::StatusOr<store::ExecutionDetail> detail) {
          self->OnOutput(std::move(detail));
        });
    if (!queued.ok()) OnOutput(queued);
  }

  void OnOutput(absl::StatusOr<store::ExecutionDetail> detail) {
    {
      absl::MutexLock lock(&mu_);
      if (detail.ok() && !store::IsFinal(detail->execution.status) && reactor_ != nullptr &&
          env_.scheduler != nullptr) {
        // The execution_finished is logged before the outcome, and the output with it, is
        // committed (a replica's store may answer a read in between): asks again, soon.
        output_retry_delay_ = std::min(output_retry_delay_ * 2, WatchReactor::kPollInterval);
        std::weak_ptr<WatchState> weak = weak_from_this();
        output_retry_ = env_.scheduler->RunAfter(output_retry_delay_, [weak] {
          if (auto self = weak.lock()) self->FetchOutput();
        });
        return;
      }
      output_pending_ = false;
      if (!detail.ok()) {
        // The watch had ended with its last event; it now ends with the error instead.
        final_status_ = FailLocked(detail.status());
        pending_.clear();
      } else if (!pending_.empty() && pending_.back().event().has_execution_finished()) {
        SetFinishedOutput(detail->execution.output_json, *pending_.back().mutable_event());
      }
    }
    Pump();
  }

  // Queues event `sequence` to be sent; true when the watch ends with it (the execution's last
  // event, or one that does not parse).
  // `output_in_row`: an execution_finished whose output items are to be read from the row.
  bool AcceptLocked(int64_t sequence, const std::string& kind, std::string_view payload,
                    bool output_in_row) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    next_ = sequence + 1;
    v1::WatchExecutionResponse response;
    response.set_sequence(sequence);
    if (!response.mutable_event()->ParseFromArray(payload.data(),
                                                  static_cast<int>(payload.size()))) {
      EndLocked(FailLocked(
          absl::DataLossError(absl::StrCat("event ", sequence, " of execution ", id_, " (", kind,
                                           ") does not parse as a StreamWorkflowResponse"))));
      return true;
    }
    bool last = response.event().has_execution_finished();
    pending_.push_back(std::move(response));
    if (last) {
      output_pending_ = output_in_row;
      EndLocked(grpc::Status::OK);
    }
    return last;
  }

  // Caught up: ends once the execution is final, else waits for a wake-up.
  void CheckStatus() {
    store::GetOptions options;
    options.with_nodes = false;
    absl::Status queued = env_.recorder->store().GetExecution(
        id_, options, [self = shared_from_this()](absl::StatusOr<store::ExecutionDetail> detail) {
          self->OnStatus(std::move(detail));
        });
    if (!queued.ok()) Fail(queued);
  }

  void OnStatus(absl::StatusOr<store::ExecutionDetail> detail) {
    if (!detail.ok()) return Fail(detail.status());
    bool read_now = false;
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if (store::IsFinal(detail->execution.status)) {
        // Its last events were committed before its outcome: one more read gets them all.
        final_row_ = detail->execution;
        read_now = true;
      } else if (read_again_) {
        read_now = true;
      } else if (!ended_ && reactor_ != nullptr && env_.scheduler != nullptr) {
        std::weak_ptr<WatchState> weak = weak_from_this();
        poll_ = env_.scheduler->RunAfter(WatchReactor::kPollInterval, [weak] {
          if (auto self = weak.lock()) self->Wake();
        });
      }
    }
    if (read_now) Read();
  }

  // Ends the watch with `error` (mapped for the caller).
  void Fail(const absl::Status& error) {
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      EndLocked(FailLocked(error));
    }
    Pump();
  }

  grpc::Status FailLocked(const absl::Status& error) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // The context is valid until the reactor is done; after that nobody reads the status.
    if (reactor_ == nullptr) return grpc::Status(grpc::StatusCode::CANCELLED, "");
    return FailCall(*context_, error, FailureContext(), *env_.scrubber, env_.max_retry_after);
  }

  void EndLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (ended_) return;
    ended_ = true;
    final_status_ = std::move(status);
    if (!final_status_.ok()) pending_.clear();
  }

  // Writes the next pending event, or finishes once the watch has ended and nothing is pending,
  // or reads on once everything read is written.
  void Pump() {
    enum class Action { kNone, kWrite, kFinish, kRead } action = Action::kNone;
    WatchReactor* reactor = nullptr;
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (reactor_ == nullptr || finished_ || writing_) return;
      reactor = reactor_;
      if (output_pending_ && pending_.size() == 1) return;  // its output is being read
      if (!pending_.empty()) {
        current_ = std::move(pending_.front());
        pending_.pop_front();
        if (current_.event().has_execution_finished()) sent_finished_ = true;
        writing_ = true;
        action = Action::kWrite;
      } else if (ended_) {
        finished_ = true;
        status = final_status_;
        action = Action::kFinish;
      } else if (!reading_) {
        action = Action::kRead;
      }
    }
    // Outside the lock: the reactor may complete inline. While writing_ is set nobody else
    // writes or finishes, and the reactor cannot be done before it has finished.
    switch (action) {
      case Action::kWrite:
        reactor->StartWrite(&current_);
        break;
      case Action::kFinish:
        reactor->Finish(std::move(status));
        break;
      case Action::kRead:
        Read();
        break;
      case Action::kNone:
        break;
    }
  }

  const ServiceEnvironment env_;
  grpc::CallbackServerContext* const context_;
  const std::string id_;

  absl::Mutex mu_;
  WatchReactor* reactor_ ABSL_GUARDED_BY(mu_);
  int64_t next_ ABSL_GUARDED_BY(mu_);  // the next sequence number to read
  std::deque<v1::WatchExecutionResponse> pending_ ABSL_GUARDED_BY(mu_);  // read, not yet written
  v1::WatchExecutionResponse current_;  // being written; touched only by the writing side
  bool reading_ ABSL_GUARDED_BY(mu_) = false;     // a read or status check is in flight
  bool read_again_ ABSL_GUARDED_BY(mu_) = false;  // woken meanwhile
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_finished_ ABSL_GUARDED_BY(mu_) = false;
  bool read_any_ ABSL_GUARDED_BY(mu_) = false;  // a log row was read (any kind)
  // The execution_finished last in pending_ waits for its output items (FetchOutput).
  bool output_pending_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  // Set once the store said the execution is final.
  std::optional<store::ExecutionRow> final_row_ ABSL_GUARDED_BY(mu_);
  sdk::TimerId poll_ ABSL_GUARDED_BY(mu_) = 0;
  // Asking again for the output of an execution_finished read before its outcome was committed:
  // the timer, and its delay (doubled each time, up to kPollInterval).
  sdk::TimerId output_retry_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration output_retry_delay_ ABSL_GUARDED_BY(mu_) = absl::Milliseconds(5);
  ExecutionRecorder::ListenerToken listener_ ABSL_GUARDED_BY(mu_) = 0;
};

WatchReactor* WatchReactor::Start(const ServiceEnvironment& env,
                                  grpc::CallbackServerContext* context,
                                  const v1::WatchExecutionRequest& request, absl::Status refusal) {
  auto* reactor = new WatchReactor();
  if (refusal.ok() && request.execution_id().empty()) {
    refusal = absl::InvalidArgumentError("execution_id is required");
  }
  if (refusal.ok() && request.from_sequence() < 0) {
    refusal = absl::InvalidArgumentError(absl::StrCat(
        "from_sequence is ", request.from_sequence(), "; it must be 0 or more"));
  }
  if (!refusal.ok()) {
    reactor->Finish(
        FailCall(*context, refusal, FailureContext(), *env.scrubber, env.max_retry_after));
    return reactor;
  }
  reactor->state_ = std::make_shared<WatchState>(env, reactor, context, request.execution_id(),
                                                 std::max<int64_t>(request.from_sequence(), 1));
  reactor->state_->Begin();
  return reactor;
}

void WatchReactor::OnWriteDone(bool ok) {
  if (state_ != nullptr) state_->OnWriteDone(ok);
}

void WatchReactor::OnCancel() {
  if (state_ != nullptr) state_->OnCancel();
}

void WatchReactor::OnDone() {
  if (state_ != nullptr) state_->Detach();
  delete this;
}

}  // namespace flowhost::service
