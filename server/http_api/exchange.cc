#include "server/http_api/exchange.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include <type_traits>
#include <utility>

#include "server/http_api/http_gateway.h"
#include "server/http_api/http_status.h"
#include "server/service/status_mapping.h"

namespace flowhost::http_api {
namespace {

// The SSE event name of a stream message: its oneof case, spelled as in its JSON.
std::string EventName(const v1::StreamWorkflowResponse& message) {
  const google::protobuf::OneofDescriptor* event =
      v1::StreamWorkflowResponse::descriptor()->FindOneofByName("event");
  const google::protobuf::FieldDescriptor* field =
      message.GetReflection()->GetOneofFieldDescriptor(message, event);
  return field != nullptr ? field->json_name() : "message";
}

}  // namespace

void AddCallHeaders(evhttp_request* request, const grpc::ClientContext& context) {
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  const auto& metadata = context.GetServerInitialMetadata();
  for (const char* key : {"x-flowhost-execution-id", "traceparent"}) {
    auto it = metadata.find(key);
    if (it == metadata.end()) continue;
    std::string value(it->second.data(), it->second.size());
    evhttp_add_header(headers, key, value.c_str());
  }
}


template <typename Step>
void Exchange::OnLoop(Step step) {
  gateway_.loop().Post([self = shared_from_this(), step = std::move(step)]() mutable {
    step(*self);
  });
}

void Exchange::PeerGone() {
  peer_gone_ = true;
  context_.TryCancel();
}

void Exchange::AnswerJson(int http_status, const std::string& body) {
  Answer(http_status, "application/json", body);
}

void Exchange::Answer(int http_status, const char* content_type, const std::string& body) {
  if (request_ == nullptr) return;
  if (ConnectionGuard* guard = gateway_.GuardOf(request_)) guard->AnswerFinished();
  evhttp_add_header(evhttp_request_get_output_headers(request_), "Content-Type", content_type);
  evbuffer* buffer = evbuffer_new();
  evbuffer_add(buffer, body.data(), body.size());
  evhttp_send_reply(request_, http_status, std::string(ReasonPhrase(http_status)).c_str(), buffer);
  evbuffer_free(buffer);
  request_ = nullptr;
}

void Exchange::AnswerError(const grpc::Status& status) {
  if (request_ != nullptr) AddCallHeaders(request_, context_);
  AnswerJson(HttpStatusFor(status.error_code()),
             ErrorBody(status, service::ReadErrorDetails(context_)));
}

template <typename Request, typename Response>
void UnaryExchange<Request, Response>::Begin() {
  std::shared_ptr<Exchange> self = shared_from_this();
  gateway_.CallStarted(self);
  (gateway_.stub().async()->*start_)(
      &context_, &request_message_, &response_, [self, &gateway = gateway_](grpc::Status status) {
        gateway.loop().Post([self, status] {
          static_cast<UnaryExchange*>(self.get())->Finish(status);
        });
        gateway.CallEnded(self.get());
      });
}

template <typename Request, typename Response>
void UnaryExchange<Request, Response>::Finish(const grpc::Status& status) {
  if (!status.ok()) return AnswerError(status);
  if (request_ != nullptr) AddCallHeaders(request_, context_);
  AnswerJson(200, MessageToJson(response_));
}

template class UnaryExchange<v1::RunWorkflowRequest, v1::RunWorkflowResponse>;
template class UnaryExchange<v1::ValidateWorkflowRequest, v1::ValidateWorkflowResponse>;
template class UnaryExchange<v1::ListWorkflowsRequest, v1::ListWorkflowsResponse>;
template class UnaryExchange<v1::GetWorkflowRequest, v1::GetWorkflowResponse>;
template class UnaryExchange<v1::ListNodeTypesRequest, v1::ListNodeTypesResponse>;
template class UnaryExchange<v1::StartWorkflowRequest, v1::StartWorkflowResponse>;
template class UnaryExchange<v1::ListExecutionsRequest, v1::ListExecutionsResponse>;
template class UnaryExchange<v1::GetExecutionRequest, v1::GetExecutionResponse>;
template class UnaryExchange<v1::CancelExecutionRequest, v1::CancelExecutionResponse>;
template class UnaryExchange<v1::RetryExecutionRequest, v1::RetryExecutionResponse>;

namespace {

// How each streaming method starts, and the SSE text of each of its messages.
void StartStream(AsyncStub& stub, grpc::ClientContext* context,
                 const v1::StreamWorkflowRequest* request,
                 grpc::ClientReadReactor<v1::StreamWorkflowResponse>* reactor) {
  stub.StreamWorkflow(context, request, reactor);
}
void StartStream(AsyncStub& stub, grpc::ClientContext* context,
                 const v1::WatchExecutionRequest* request,
                 grpc::ClientReadReactor<v1::WatchExecutionResponse>* reactor) {
  stub.WatchExecution(context, request, reactor);
}
std::string SseEvent(const v1::StreamWorkflowResponse& message) {
  return "event: " + EventName(message) + "\ndata: " + MessageToJson(message) + "\n\n";
}
std::string SseEvent(const v1::WatchExecutionResponse& message) {
  return "id: " + std::to_string(message.sequence()) + "\nevent: " + EventName(message.event()) +
         "\ndata: " + MessageToJson(message.event()) + "\n\n";
}

}  // namespace

template <typename Request, typename Response>
void EventStreamExchange<Request, Response>::Begin() {
  self_ = std::static_pointer_cast<EventStreamExchange>(shared_from_this());
  gateway_.CallStarted(self_);
  StartStream(*gateway_.stub().async(), &context_, &request_message_, this);
  this->AddHold();  // reads are started from the loop thread, outside reactions
  this->StartRead(&incoming_);
  this->StartCall();
}

template <typename Request, typename Response>
void EventStreamExchange<Request, Response>::PeerGone() {
  Exchange::PeerGone();
  if (awaiting_write_) {
    // The event being written never will be: read on, so the cancelled stream ends.
    awaiting_write_ = false;
    ReadNext();
  }
}

template <typename Request, typename Response>
void EventStreamExchange<Request, Response>::OnReadDone(bool ok) {
  if (!ok) {
    this->RemoveHold();  // no read follows: OnDone comes once the call has ended
    return;
  }
  OnLoop([event = SseEvent(incoming_)](Exchange& self) {
    static_cast<EventStreamExchange&>(self).WriteEvent(event);
  });
}

template <typename Request, typename Response>
void EventStreamExchange<Request, Response>::SendHead() {
  if (head_sent_) return;
  head_sent_ = true;
  if (ConnectionGuard* guard = gateway_.GuardOf(request_)) guard->AnswerStarted();
  evkeyvalq* headers = evhttp_request_get_output_headers(request_);
  evhttp_add_header(headers, "Content-Type", "text/event-stream");
  evhttp_add_header(headers, "Cache-Control", "no-cache");
  AddCallHeaders(request_, context_);  // the first message follows the initial metadata
  evhttp_send_reply_start(request_, 200, "OK");
  // evhttp reads while it writes (to see the peer close), with the read timeout: an execution
  // quiet for longer must not cut its stream. Writes keep their timeout; the connection's idle
  // time after the stream is bounded by the request deadline (connection_guard.h).
  if (evhttp_connection* connection = evhttp_request_get_connection(request_)) {
    timeval write_timeout = absl::ToTimeval(gateway_.io_timeout());
    bufferevent_set_timeouts(evhttp_connection_get_bufferevent(connection), nullptr,
                             &write_timeout);
  }
}

template <typename Request, typename Response>
void EventStreamExchange<Request, Response>::WriteEvent(const std::string& event) {
  if (request_ == nullptr || peer_gone_ || evhttp_request_get_connection(request_) == nullptr) {
    // Nobody reads: drain the stream (the call is cancelled) so that it ends.
    ReadNext();
    return;
  }
  SendHead();
  evbuffer* buffer = evbuffer_new();
  evbuffer_add(buffer, event.data(), event.size());
  // The next message is read once this one is written out: a slow reader slows the stream (and
  // the service merges token deltas meanwhile) instead of growing this buffer.
  awaiting_write_ = true;
  evhttp_send_reply_chunk_with_cb(request_, buffer, &EventStreamExchange::OnEventWritten,
                                  this);
  evbuffer_free(buffer);
}

template <typename Request, typename Response>
void EventStreamExchange<Request, Response>::OnEventWritten(evhttp_connection*, void* self) {
  auto* exchange = static_cast<EventStreamExchange*>(self);
  if (!exchange->awaiting_write_) return;
  exchange->awaiting_write_ = false;
  exchange->ReadNext();
}

template <typename Request, typename Response>
void EventStreamExchange<Request, Response>::OnDone(const grpc::Status& status) {
  std::shared_ptr<EventStreamExchange> self = std::move(self_);
  OnLoop([status](Exchange& exchange) {
    static_cast<EventStreamExchange&>(exchange).Finish(status);
  });
  gateway_.CallEnded(this);
}

template <typename Request, typename Response>
void EventStreamExchange<Request, Response>::Finish(const grpc::Status& status) {
  if (request_ == nullptr) return;
  if (!head_sent_) {
    if (!status.ok()) return AnswerError(status);
    if constexpr (std::is_same_v<Response, v1::WatchExecutionResponse>) {
      // A watch from past the last event of a finished execution: an empty stream.
      AddCallHeaders(request_, context_);
      return Answer(200, "text/event-stream", "");
    } else {
      return AnswerJson(500, ErrorBody(grpc::Status(grpc::StatusCode::INTERNAL,
                                                    "the stream ended without an event"),
                                       std::nullopt));
    }
  }
  if (ConnectionGuard* guard = gateway_.GuardOf(request_)) guard->AnswerFinished();
  if (!status.ok() && evhttp_request_get_connection(request_) != nullptr) {
    std::string body = ErrorBody(status, service::ReadErrorDetails(context_));
    evbuffer* buffer = evbuffer_new();
    evbuffer_add_printf(buffer, "event: error\ndata: ");
    evbuffer_add(buffer, body.data(), body.size());
    evbuffer_add(buffer, "\n\n", 2);
    evhttp_send_reply_chunk(request_, buffer);
    evbuffer_free(buffer);
  }
  evhttp_send_reply_end(request_);
  request_ = nullptr;
}

template class EventStreamExchange<v1::StreamWorkflowRequest, v1::StreamWorkflowResponse>;
template class EventStreamExchange<v1::WatchExecutionRequest, v1::WatchExecutionResponse>;

}  // namespace flowhost::http_api
