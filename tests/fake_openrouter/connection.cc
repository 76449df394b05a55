#include "tests/fake_openrouter/connection.h"

#include <event2/buffer.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "tests/fake_openrouter/chat_answer.h"
#include "tests/fake_openrouter/openrouter_error.h"

namespace flowhost::fake_openrouter {
namespace {

constexpr size_t kFillPiece = 64 * 1024;
constexpr size_t kFillHighWater = 256 * 1024;
constexpr size_t kFillLowWater = 64 * 1024;
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

const std::string& FillerBytes() {
  static const std::string* const kFiller = new std::string(kFillPiece, 'x');
  return *kFiller;
}

}  // namespace

void Connection::Accept(ConnectionContext* context, evutil_socket_t fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  evutil_make_socket_nonblocking(fd);
  bufferevent* bev = bufferevent_socket_new(context->base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (bev == nullptr) {
    evutil_closesocket(fd);
    return;
  }
  context->stats->ConnectionOpened();
  auto* connection = new Connection(context, bev);
  context->live.insert(connection);
}

Connection::Connection(ConnectionContext* context, bufferevent* bev)
    : context_(context), bev_(bev), timer_(evtimer_new(context->base, &OnTimer, this)) {
  bufferevent_setcb(bev_, &OnRead, &OnWrite, &OnEvent, this);
  // Stop reading only far beyond the largest acceptable request, so a finished client is noticed.
  bufferevent_setwatermark(
      bev_, EV_READ, 0, context_->limits.max_head_bytes + context_->limits.max_body_bytes + 4096);
  bufferevent_enable(bev_, EV_READ | EV_WRITE);
}

void Connection::Collect(Connection* connection) {
  if (connection->closed_) delete connection;
}

void Connection::OnRead(bufferevent*, void* arg) {
  auto* self = static_cast<Connection*>(arg);
  if (self->phase_ == Phase::kReading) self->Resume();
  Collect(self);
}

void Connection::OnWrite(bufferevent*, void* arg) {
  auto* self = static_cast<Connection*>(arg);
  if (self->phase_ == Phase::kClosing) {
    self->Close();
  } else if (self->waiting_for_drain_) {
    self->waiting_for_drain_ = false;
    bufferevent_setwatermark(self->bev_, EV_WRITE, 0, 0);
    self->Resume();
  }
  Collect(self);
}

void Connection::OnEvent(bufferevent*, short events, void* arg) {
  auto* self = static_cast<Connection*>(arg);
  if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
    // The client went away (or the socket failed) before the response was complete.
    self->EndResponse(/*aborted=*/true);
    self->Close();
  }
  Collect(self);
}

void Connection::OnTimer(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Connection*>(arg);
  self->Resume();
  Collect(self);
}

void Connection::Resume() {
  while (!closed_) {
    if (phase_ == Phase::kPlaying) {
      if (!Play()) return;
    } else if (phase_ == Phase::kReading) {
      if (!StartNextRequest()) return;
    } else {
      return;
    }
  }
}

bool Connection::StartNextRequest() {
  evbuffer* input = bufferevent_get_input(bev_);
  size_t length = evbuffer_get_length(input);
  if (length == 0) return false;
  const char* data = reinterpret_cast<const char*>(evbuffer_pullup(input, -1));
  HttpRequest request;
  ParseOutcome outcome = ParseRequest(std::string_view(data, length), context_->limits, &request);
  switch (outcome.state) {
    case ParseState::kNeedMore:
      if (outcome.head_complete && outcome.expects_continue && !continue_sent_) {
        continue_sent_ = true;
        bufferevent_write(bev_, kContinue, sizeof(kContinue) - 1);
      }
      return false;
    case ParseState::kError: {
      evbuffer_drain(input, length);
      HttpRequest closing;
      closing.keep_alive = false;
      StartResponse(
          ScriptBuilder::Simple(closing, outcome.error_status, "application/json",
                                DumpJson(ErrorBody(outcome.error_status, outcome.error_message))),
          /*is_api=*/false);
      return true;
    }
    case ParseState::kComplete:
      break;
  }
  evbuffer_drain(input, outcome.consumed);
  continue_sent_ = false;
  // Exceptions must not cross into libevent: any escape is answered as a 500.
  try {
    HandledRequest handled = context_->handler->Handle(request);
    StartResponse(std::move(handled.script), handled.is_api);
  } catch (const std::exception& e) {
    StartResponse(ScriptBuilder::Simple(request, 500, "application/json",
                                        DumpJson(ErrorBody(500, std::string("fake: ") + e.what()))),
                  /*is_api=*/false);
  }
  return true;
}

void Connection::StartResponse(ResponseScript script, bool is_api) {
  script_ = std::move(script);
  step_ = 0;
  fill_left_ = -1;
  phase_ = Phase::kPlaying;
  response_open_ = true;
  response_is_api_ = is_api;
}

bool Connection::Play() {
  evbuffer* output = bufferevent_get_output(bev_);
  while (step_ < script_.steps.size()) {
    const ScriptStep& step = script_.steps[step_];
    switch (step.kind) {
      case ScriptStep::Kind::kWrite:
        bufferevent_write(bev_, step.bytes.data(), step.bytes.size());
        ++step_;
        break;
      case ScriptStep::Kind::kFill: {
        if (fill_left_ < 0) fill_left_ = step.count;
        if (evbuffer_get_length(output) >= kFillHighWater) {
          WaitForDrain(kFillLowWater);
          return false;
        }
        size_t piece = static_cast<size_t>(std::min<int64_t>(fill_left_, kFillPiece));
        bufferevent_write(bev_, FillerBytes().data(), piece);
        fill_left_ -= static_cast<int64_t>(piece);
        if (fill_left_ == 0) {
          fill_left_ = -1;
          ++step_;
        }
        break;
      }
      case ScriptStep::Kind::kWait: {
        ++step_;
        timeval delay{static_cast<time_t>(step.count / 1000),
                      static_cast<suseconds_t>((step.count % 1000) * 1000)};
        // libevent times from the loop's cached clock, taken before this request's bytes were
        // read: refresh it, or the wait can end a little before `delay` has really passed.
        event_base_update_cache_time(bufferevent_get_base(bev_));
        evtimer_add(timer_, &delay);
        return false;
      }
      case ScriptStep::Kind::kReset:
        if (evbuffer_get_length(output) > 0) {
          WaitForDrain(0);
          return false;
        }
        EndResponse(/*aborted=*/false);
        ResetAndClose();
        return false;
      case ScriptStep::Kind::kHang:
        return false;  // only the client leaving ends this response
      case ScriptStep::Kind::kFinish:
        ++step_;
        EndResponse(/*aborted=*/false);
        if (script_.close_after) {
          phase_ = Phase::kClosing;
          if (evbuffer_get_length(output) == 0) {
            Close();
          } else {
            WaitForDrain(0);
          }
          return false;
        }
        phase_ = Phase::kReading;
        return true;
    }
  }
  return false;
}

void Connection::WaitForDrain(size_t low_water) {
  waiting_for_drain_ = true;
  bufferevent_setwatermark(bev_, EV_WRITE, low_water, 0);
}

void Connection::EndResponse(bool aborted) {
  if (!response_open_) return;
  response_open_ = false;
  if (response_is_api_) context_->stats->ApiRequestEnded(aborted);
}

void Connection::ResetAndClose() {
  linger hard_close{1, 0};
  setsockopt(bufferevent_getfd(bev_), SOL_SOCKET, SO_LINGER, &hard_close, sizeof(hard_close));
  Close();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  context_->stats->ConnectionClosed();
  context_->live.erase(this);
  event_free(timer_);
  bufferevent_free(bev_);
}

void Connection::Destroy() {
  EndResponse(/*aborted=*/false);
  Close();
  delete this;
}

}  // namespace flowhost::fake_openrouter
