// One HTTP request being answered by one call of flowhost.v1.WorkflowService on the in-process
// channel: the request's JSON became the gRPC request message; the call's response (or stream of
// events, or status) becomes the HTTP answer. The server side is the very service gRPC callers
// reach, so executions run on the same executor, behind the same admission, authentication and
// status mapping.
//
// The hop between threads: gRPC calls back on its own threads; every step that touches the
// evhttp_request is posted to the gateway's event loop. The request pointer stays valid until the
// final answer is sent, even when the peer has gone (evhttp then detaches the request from the
// connection and frees it when it is answered).
//
// A peer that goes away cancels the call (ClientContext::TryCancel): the service cancels the
// execution, which aborts its upstream requests.
//
// Ownership: shared; the gRPC call's callbacks and the posted tasks hold references until the call
// has ended and the answer is sent. Thread-safety: Begin, PeerGone and the posted steps run on the
// loop thread; the gRPC callbacks on gRPC's.
#ifndef FLOWHOST_SERVER_HTTP_API_EXCHANGE_H_
#define FLOWHOST_SERVER_HTTP_API_EXCHANGE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flowhost/v1/error_details.pb.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

struct evhttp_connection;
struct evhttp_request;

namespace flowhost::http_api {

class HttpGateway;

// The execution's id and trace context the service sent as initial metadata (once the call has
// them), as `request`'s HTTP answer headers x-flowhost-execution-id and traceparent.
void AddCallHeaders(evhttp_request* request, const grpc::ClientContext& context);

// The generated stub's callback API (a class named like its accessor, async()).
using AsyncStub = class v1::WorkflowService::Stub::async;

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(HttpGateway& gateway, evhttp_request* request) : gateway_(gateway), request_(request) {}
  virtual ~Exchange() = default;
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // Starts the gRPC call (loop thread).
  virtual void Begin() = 0;

  // The peer closed its connection before the answer was complete: cancels the call (loop
  // thread).
  virtual void PeerGone();

  // Cancels the call from any thread (the gateway's shutdown).
  virtual void Cancel() { context_.TryCancel(); }

  // Metadata for the call (the caller's Authorization, a traceparent); before Begin, loop thread.
  // Kept for the exchanges that make more than one call (openai_exchange.h).
  void AddCallMetadata(const std::string& key, const std::string& value) {
    context_.AddMetadata(key, value);
    metadata_.emplace_back(key, value);
  }

  grpc::ClientContext& context() { return context_; }

 protected:
  // The final answer: a JSON body with `http_status`. Once only; loop thread.
  void AnswerJson(int http_status, const std::string& body);
  // The final answer for a failed call: the mapped HTTP status and the google.rpc.Status body,
  // with the ErrorDetails the service sent in the trailers.
  void AnswerError(const grpc::Status& status);
  // Runs `step` on the loop thread with this exchange kept alive.
  template <typename Step>
  void OnLoop(Step step);
  // The final answer, any content type (loop thread). For a JSON body, AnswerJson.
  void Answer(int http_status, const char* content_type, const std::string& body);

  bool answered() const { return request_ == nullptr; }
  bool peer_gone() const { return peer_gone_; }

  HttpGateway& gateway_;
  evhttp_request* request_;  // null once the final answer is sent
  grpc::ClientContext context_;
  std::vector<std::pair<std::string, std::string>> metadata_;  // as added to context_
  bool peer_gone_ = false;
};

// A unary method: RunWorkflow, ValidateWorkflow, ListWorkflows, GetWorkflow, ListNodeTypes,
// StartWorkflow, ListExecutions, GetExecution, CancelExecution, RetryExecution.
template <typename Request, typename Response>
class UnaryExchange final : public Exchange {
 public:
  using Starter = void (AsyncStub::*)(grpc::ClientContext*, const Request*,
                                                              Response*,
                                                              std::function<void(grpc::Status)>);
  UnaryExchange(HttpGateway& gateway, evhttp_request* request, Request message, Starter start)
      : Exchange(gateway, request), request_message_(std::move(message)), start_(start) {}

  void Begin() override;

 private:
  void Finish(const grpc::Status& status);

  Request request_message_;
  Response response_;
  const Starter start_;
};

// A server-streaming method as Server-Sent Events: StreamWorkflow, and WatchExecution.
//
// One event per stream message, in order, named after the event's oneof case ("executionStarted",
// "tokenDelta", ...), its data the event's JSON; WatchExecution's events also carry their sequence
// number as the SSE `id`, so a client that reconnects (an EventSource sends it back as
// Last-Event-ID) resumes after it. The HTTP head is sent with the first message, so a call refused
// before any (an unknown workflow or execution, bad inputs, a refused token) gets its own HTTP
// status; a failure after it is one last "error" event with the google.rpc.Status JSON. The next
// message is read only once the previous one is written out (the service's stream flow control
// does the rest).
template <typename Request, typename Response>
class EventStreamExchange final : public Exchange, public grpc::ClientReadReactor<Response> {
 public:
  EventStreamExchange(HttpGateway& gateway, evhttp_request* request, Request message)
      : Exchange(gateway, request), request_message_(std::move(message)) {}

  void Begin() override;
  void PeerGone() override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  // Reads the next message (loop thread; reads are started outside reactions, under a hold that
  // the last read's failure removes).
  void ReadNext() { this->StartRead(&incoming_); }
  // The HTTP head, once, before the first event (loop thread).
  void SendHead();
  void WriteEvent(const std::string& event);
  static void OnEventWritten(evhttp_connection* connection, void* self);
  void Finish(const grpc::Status& status);

  Request request_message_;
  Response incoming_;  // gRPC's; read again only after the last was posted
  std::shared_ptr<EventStreamExchange> self_;  // held from Begin until OnDone
  bool head_sent_ = false;                     // loop thread
  bool awaiting_write_ = false;  // loop thread: an event is being written, no read runs
};

using StreamExchange = EventStreamExchange<v1::StreamWorkflowRequest, v1::StreamWorkflowResponse>;
using WatchExchange = EventStreamExchange<v1::WatchExecutionRequest, v1::WatchExecutionResponse>;

}  // namespace flowhost::http_api

#endif  // FLOWHOST_SERVER_HTTP_API_EXCHANGE_H_
