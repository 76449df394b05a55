#include "server/service/stream_session.h"

#include <algorithm>
#include <string>

namespace flowhost::service {

StreamSession::StreamSession(StreamWriter* writer, size_t capacity)
    : writer_(writer), capacity_(std::max<size_t>(capacity, 2)) {}

void StreamSession::Push(v1::StreamWorkflowResponse event) {
  {
    absl::MutexLock lock(&mu_);
    if (closed_ || reader_gone_) return;
    queue_.push_back(std::move(event));
  }
  Pump();
}

void StreamSession::PushTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                                   std::string_view kind, std::string_view route,
                                   std::string_view model, int attempt) {
  {
    absl::MutexLock lock(&mu_);
    if (closed_ || reader_gone_) return;
    if (queue_.size() >= capacity_ / 2) {
      // Far behind: append to the latest queued delta of the same stream of text, if any. Later
      // events in the queue belong to other nodes or items, so the text's order is kept.
      for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
        if (it->has_tokens_reset() && it->tokens_reset().node() == node &&
            it->tokens_reset().item_index() == static_cast<int32_t>(item_index)) {
          break;  // the text before the reset is void: never join the next attempt's to it
        }
        if (!it->has_token_delta()) continue;
        v1::TokenDelta& queued = *it->mutable_token_delta();
        if (queued.node() == node && queued.item_index() == static_cast<int32_t>(item_index) &&
            queued.kind() == kind && queued.attempt() == attempt && queued.route() == route) {
          queued.mutable_text()->append(text);
          ++merged_deltas_;
          return;  // a write is in flight (the queue is not empty), so no Pump is needed
        }
      }
    }
    v1::StreamWorkflowResponse event;
    v1::TokenDelta& delta = *event.mutable_token_delta();
    delta.set_node(std::string(node));
    delta.set_item_index(static_cast<int32_t>(item_index));
    delta.set_text(std::string(text));
    delta.set_kind(std::string(kind));
    delta.set_route(std::string(route));
    delta.set_model(std::string(model));
    delta.set_attempt(attempt);
    queue_.push_back(std::move(event));
  }
  Pump();
}

void StreamSession::Close(grpc::Status status) {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    final_status_ = std::move(status);
  }
  Pump();
}

void StreamSession::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      reader_gone_ = true;
      queue_.clear();
    }
  }
  Pump();
}

void StreamSession::Detach() {
  absl::MutexLock lock(&mu_);
  writer_ = nullptr;
  queue_.clear();
}

void StreamSession::Pump() {
  enum class Action { kNone, kWrite, kFinish } action = Action::kNone;
  StreamWriter* writer = nullptr;
  grpc::Status status;
  {
    absl::MutexLock lock(&mu_);
    if (writer_ == nullptr || finished_ || writing_) return;
    writer = writer_;
    if (!queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      action = Action::kWrite;
    } else if (closed_) {
      finished_ = true;
      status = final_status_;
      action = Action::kFinish;
    }
  }
  // Outside the lock: the writer may complete inline. While writing_ is set no one else writes or
  // finishes, and the writer cannot detach before it has finished, so `writer` stays valid.
  if (action == Action::kWrite) {
    writer->StartWrite(&current_);
  } else if (action == Action::kFinish) {
    writer->Finish(std::move(status));
  }
}

size_t StreamSession::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

size_t StreamSession::merged_deltas() const {
  absl::MutexLock lock(&mu_);
  return merged_deltas_;
}

}  // namespace flowhost::service
