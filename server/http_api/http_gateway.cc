#include "server/http_api/http_gateway.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "flowhost/sdk/json.h"
#include "server/http_api/call_request.h"
#include "server/http_api/exchange.h"
#include "server/http_api/http_status.h"
#include "server/http_api/openai_exchange.h"
#include "server/http_api/openai_mapping.h"
#include "server/http_api/routes.h"

namespace flowhost::http_api {
namespace {

// Splits "HOST:PORT" ("[::1]:8080" for IPv6).
bool SplitHostPort(const std::string& listen, std::string& host, int& port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string digits = listen.substr(colon + 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 5) {
    return false;
  }
  port = std::stoi(digits);
  return port <= 65535;
}

// An answer the gateway gives itself (an unknown path, a malformed body): `code` in the body,
// `http_status` on the wire.
void AnswerLocally(evhttp_request* request, int http_status, grpc::StatusCode code,
                   const std::string& message) {
  std::string body = ErrorBody(grpc::Status(code, message), std::nullopt);
  evhttp_add_header(evhttp_request_get_output_headers(request), "Content-Type",
                    "application/json");
  evbuffer* buffer = evbuffer_new();
  evbuffer_add(buffer, body.data(), body.size());
  evhttp_send_reply(request, http_status, std::string(ReasonPhrase(http_status)).c_str(), buffer);
  evbuffer_free(buffer);
}

// GET /metrics: the scrape, in Prometheus' text exposition format.
void AnswerMetrics(evhttp_request* request, const std::string& text) {
  evhttp_add_header(evhttp_request_get_output_headers(request), "Content-Type",
                    "text/plain; version=0.0.4; charset=utf-8");
  evbuffer* buffer = evbuffer_new();
  evbuffer_add(buffer, text.data(), text.size());
  evhttp_send_reply(request, 200, "OK", buffer);
  evbuffer_free(buffer);
}

std::string_view BodyOf(evhttp_request* request) {
  evbuffer* input = evhttp_request_get_input_buffer(request);
  size_t size = evbuffer_get_length(input);
  if (size == 0) return {};
  return std::string_view(reinterpret_cast<const char*>(evbuffer_pullup(input, -1)), size);
}

// A header value gRPC metadata can carry (printable ASCII).
bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// An exchange for a unary method; `start` picks the stub's callback overload.
template <typename Request, typename Response>
std::shared_ptr<Exchange> Unary(HttpGateway& gateway, evhttp_request* request, Request message,
                                typename UnaryExchange<Request, Response>::Starter start) {
  return std::make_shared<UnaryExchange<Request, Response>>(gateway, request, std::move(message),
                                                            start);
}

HttpMethod HttpMethodOf(evhttp_request* request) {
  switch (evhttp_request_get_command(request)) {
    case EVHTTP_REQ_GET:
      return HttpMethod::kGet;
    case EVHTTP_REQ_POST:
      return HttpMethod::kPost;
    default:
      return HttpMethod::kOther;
  }
}

// WatchExecution's resume point from an EventSource reconnecting: its Last-Event-ID header holds
// the sequence number of the last event it got (the `id` of our SSE events), so the watch goes on
// from the next one. A from_sequence in the query wins; a header that is not a sequence number
// is refused.
absl::Status ResumeAfterLastEventId(evhttp_request* request, v1::WatchExecutionRequest& watch) {
  const char* last = evhttp_find_header(evhttp_request_get_input_headers(request), "Last-Event-ID");
  if (last == nullptr || watch.from_sequence() != 0) return absl::OkStatus();
  int64_t sequence = 0;
  if (!absl::SimpleAtoi(last, &sequence) || sequence < 0 ||
      sequence == std::numeric_limits<int64_t>::max()) {
    return absl::InvalidArgumentError(
        "the Last-Event-ID header must be the sequence number of an event (a whole number >= 0)");
  }
  watch.set_from_sequence(sequence + 1);
  return absl::OkStatus();
}

}  // namespace

HttpGateway::HttpGateway(GatewayOptions options, std::shared_ptr<grpc::Channel> channel,
                         sdk::Logger* logger)
    : options_(std::move(options)),
      logger_(logger),
      channel_(std::move(channel)),
      stub_(v1::WorkflowService::NewStub(channel_)) {}

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(
    GatewayOptions options, std::shared_ptr<grpc::Channel> channel, sdk::Logger* logger) {
  std::string host;
  int port = 0;
  if (!SplitHostPort(options.listen, host, port)) {
    return absl::InvalidArgumentError("http_server.listen: expected HOST:PORT, got '" +
                                      options.listen + "'");
  }
  // A peer that closes mid-answer must not kill the process: writes then fail with EPIPE.
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<HttpGateway> gateway(
      new HttpGateway(std::move(options), std::move(channel), logger));
  if (!gateway->options_.tls.cert_file.empty()) {
    absl::StatusOr<std::unique_ptr<TlsContext>> tls = TlsContext::Create(gateway->options_.tls);
    if (!tls.ok()) return tls.status();
    gateway->tls_ = *std::move(tls);
  }
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create();
  if (!loop.ok()) return loop.status();
  gateway->loop_ = *std::move(loop);
  event_base* base = gateway->loop_->base();
  if ((event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE) == 0 && logger != nullptr) {
    logger->Log(sdk::LogLevel::kWarning,
                "the event backend cannot see a peer close early; an HTTP client that leaves "
                "during a run is noticed only when the answer is written",
                {{"backend", event_base_get_method(base)}});
  }

  evhttp* http = evhttp_new(base);
  if (http == nullptr) return absl::InternalError("libevent cannot create an HTTP server");
  gateway->http_ = http;
  evhttp_set_max_body_size(http, static_cast<ev_ssize_t>(gateway->options_.max_body_bytes));
  evhttp_set_max_headers_size(http, 64 << 10);
  timeval io_timeout = absl::ToTimeval(gateway->options_.io_timeout);
  evhttp_set_timeout_tv(http, &io_timeout);
  // Every method reaches the router, which answers 405 in JSON for the ones a path does not take.
  evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                       EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                       EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
  evhttp_set_default_content_type(http, "application/json");
  evhttp_set_bevcb(
      http,
      [](event_base* loop_base, void* self) -> bufferevent* {
        auto* owner = static_cast<HttpGateway*>(self);
        timeval request_timeout = absl::ToTimeval(owner->options_.request_timeout);
        if (owner->tls_ != nullptr) {
          return ConnectionGuard::CreateTls(loop_base, owner->guards_, request_timeout,
                                            owner->tls_->NewSsl());
        }
        return ConnectionGuard::Create(loop_base, owner->guards_, request_timeout);
      },
      gateway.get());
  evhttp_set_gencb(http, &HttpGateway::OnRequest, gateway.get());

  gateway->listener_ = evhttp_bind_socket_with_handle(http, host.c_str(), port);
  if (gateway->listener_ == nullptr) {
    return absl::UnavailableError("cannot listen for HTTP on " + gateway->options_.listen + ": " +
                                  evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
  }
  sockaddr_storage bound{};
  ev_socklen_t length = sizeof bound;
  if (getsockname(evhttp_bound_socket_get_fd(gateway->listener_),
                  reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
    gateway->port_ = bound.ss_family == AF_INET6
                         ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                         : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  gateway->loop_->Start("fh-http");
  return gateway;
}

HttpGateway::~HttpGateway() { Shutdown(absl::ZeroDuration()); }

void HttpGateway::OnRequest(evhttp_request* request, void* self) {
  static_cast<HttpGateway*>(self)->Handle(request);
}

void HttpGateway::CountAnswer(evhttp_request* request) {
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
  const char* path = uri != nullptr ? evhttp_uri_get_path(uri) : nullptr;
  options_.on_answered(
      path != nullptr ? EndpointName(path, HttpMethodOf(request)) : "unknown",
      evhttp_request_get_response_code(request));
}

void HttpGateway::Handle(evhttp_request* request) {
  ConnectionGuard* guard = GuardOf(request);
  if (guard != nullptr) {
    std::function<void(evhttp_request*)> on_written;
    if (options_.on_answered) on_written = [this](evhttp_request* done) { CountAnswer(done); };
    guard->RequestArrived(request, std::move(on_written));
  }
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
  if (evhttp_request_get_uri(request) == nullptr || uri == nullptr) {
    int status = evhttp_request_get_response_code(request);
    if (status < 400) status = 400;
    return AnswerLocally(request, status,
                         status == 413 ? grpc::StatusCode::RESOURCE_EXHAUSTED
                                       : grpc::StatusCode::INVALID_ARGUMENT,
                         "the request cannot be read");
  }
  HttpMethod http_method = HttpMethodOf(request);
  const char* raw_path = evhttp_uri_get_path(uri);
  std::string path = raw_path != nullptr ? raw_path : "/";
  if (path == "/metrics" && options_.metrics) {
    if (http_method != HttpMethod::kGet) {
      evhttp_add_header(evhttp_request_get_output_headers(request), "Allow", "GET");
      return AnswerLocally(request, 405, grpc::StatusCode::UNIMPLEMENTED, "'/metrics' takes GET");
    }
    return AnswerMetrics(request, options_.metrics());
  }
  Route route = MatchRoute(http_method, path);
  if (route.outcome == Route::Outcome::kUnknownPath) {
    return AnswerLocally(request, 404, grpc::StatusCode::NOT_FOUND,
                         "no API at '" + path + "'; docs/http.md lists the endpoints");
  }
  if (route.outcome == Route::Outcome::kWrongMethod) {
    evhttp_add_header(evhttp_request_get_output_headers(request), "Allow", route.allow.c_str());
    if (IsOpenAiMethod(route.method)) {
      openai::Error error;
      error.http_status = 405;
      error.message = "'" + path + "' takes " + route.allow;
      return AnswerOpenAiError(request, error);
    }
    return AnswerLocally(request, 405, grpc::StatusCode::UNIMPLEMENTED,
                         "'" + path + "' takes " + route.allow);
  }

  const char* query = evhttp_uri_get_query(uri);
  CallRequest call = ParseCallRequest(route, query != nullptr ? query : "", BodyOf(request));
  if (call.openai_refused.has_value()) return AnswerOpenAiError(request, *call.openai_refused);
  if (!call.refused.ok()) {
    return AnswerLocally(request, 400, grpc::StatusCode::INVALID_ARGUMENT,
                         std::string(call.refused.message()));
  }
  std::shared_ptr<Exchange> exchange;
  using Stub = AsyncStub;
  switch (route.method) {
    case Method::kRun:
      exchange = Unary<v1::RunWorkflowRequest, v1::RunWorkflowResponse>(
          *this, request, std::get<v1::RunWorkflowRequest>(std::move(call.message)),
          &Stub::RunWorkflow);
      break;
    case Method::kStream:
      exchange = std::make_shared<StreamExchange>(
          *this, request, std::get<v1::StreamWorkflowRequest>(std::move(call.message)));
      break;
    case Method::kValidate:
      exchange = Unary<v1::ValidateWorkflowRequest, v1::ValidateWorkflowResponse>(
          *this, request, std::get<v1::ValidateWorkflowRequest>(std::move(call.message)),
          &Stub::ValidateWorkflow);
      break;
    case Method::kListWorkflows:
      exchange = Unary<v1::ListWorkflowsRequest, v1::ListWorkflowsResponse>(
          *this, request, std::get<v1::ListWorkflowsRequest>(std::move(call.message)),
          &Stub::ListWorkflows);
      break;
    case Method::kGetWorkflow:
      exchange = Unary<v1::GetWorkflowRequest, v1::GetWorkflowResponse>(
          *this, request, std::get<v1::GetWorkflowRequest>(std::move(call.message)),
          &Stub::GetWorkflow);
      break;
    case Method::kListNodeTypes:
      exchange = Unary<v1::ListNodeTypesRequest, v1::ListNodeTypesResponse>(
          *this, request, std::get<v1::ListNodeTypesRequest>(std::move(call.message)),
          &Stub::ListNodeTypes);
      break;
    case Method::kChatCompletions:
      exchange = std::make_shared<ChatCompletionExchange>(
          *this, request, std::get<openai::ChatRequest>(std::move(call.message)),
          options_.openai_default_workflow);
      break;
    case Method::kListModels:
      exchange = std::make_shared<ModelsExchange>(*this, request);
      break;
    case Method::kGetModel:
      exchange = std::make_shared<ModelExchange>(*this, request, route.workflow,
                                                 options_.openai_default_workflow);
      break;
    case Method::kStart:
      exchange = Unary<v1::StartWorkflowRequest, v1::StartWorkflowResponse>(
          *this, request, std::get<v1::StartWorkflowRequest>(std::move(call.message)),
          &Stub::StartWorkflow);
      break;
    case Method::kListExecutions:
      exchange = Unary<v1::ListExecutionsRequest, v1::ListExecutionsResponse>(
          *this, request, std::get<v1::ListExecutionsRequest>(std::move(call.message)),
          &Stub::ListExecutions);
      break;
    case Method::kGetExecution:
      exchange = Unary<v1::GetExecutionRequest, v1::GetExecutionResponse>(
          *this, request, std::get<v1::GetExecutionRequest>(std::move(call.message)),
          &Stub::GetExecution);
      break;
    case Method::kCancelExecution:
      exchange = Unary<v1::CancelExecutionRequest, v1::CancelExecutionResponse>(
          *this, request, std::get<v1::CancelExecutionRequest>(std::move(call.message)),
          &Stub::CancelExecution);
      break;
    case Method::kRetryExecution:
      exchange = Unary<v1::RetryExecutionRequest, v1::RetryExecutionResponse>(
          *this, request, std::get<v1::RetryExecutionRequest>(std::move(call.message)),
          &Stub::RetryExecution);
      break;
    case Method::kWatchExecution: {
      auto watch = std::get<v1::WatchExecutionRequest>(std::move(call.message));
      if (absl::Status resumed = ResumeAfterLastEventId(request, watch); !resumed.ok()) {
        return AnswerLocally(request, 400, grpc::StatusCode::INVALID_ARGUMENT,
                             std::string(resumed.message()));
      }
      exchange = std::make_shared<WatchExchange>(*this, request, std::move(watch));
      break;
    }
  }

  // The caller's credentials travel as the call's metadata: the service checks them as it checks
  // a gRPC caller's.
  const char* authorization =
      evhttp_find_header(evhttp_request_get_input_headers(request), "Authorization");
  if (authorization != nullptr) {
    if (!IsPrintableAscii(authorization)) {
      if (IsOpenAiMethod(route.method)) {
        openai::Error error;
        error.http_status = 401;
        error.type = "authentication_error";
        error.message = "the Authorization header must read 'Bearer <token>' in printable ASCII";
        return AnswerOpenAiError(request, error);
      }
      return AnswerLocally(request, 401, grpc::StatusCode::UNAUTHENTICATED,
                           "the Authorization header must read 'Bearer <token>' in printable "
                           "ASCII");
    }
    exchange->AddCallMetadata("authorization", authorization);
  }
  // A W3C trace context continues into the execution, as from gRPC metadata.
  const char* traceparent =
      evhttp_find_header(evhttp_request_get_input_headers(request), "traceparent");
  if (traceparent != nullptr && IsPrintableAscii(traceparent)) {
    exchange->AddCallMetadata("traceparent", traceparent);
  }
  if (guard != nullptr) {
    std::weak_ptr<Exchange> weak = exchange;
    guard->WatchPeer([weak] {
      if (std::shared_ptr<Exchange> gone = weak.lock()) gone->PeerGone();
    });
  }
  exchange->Begin();
}

void HttpGateway::CallStarted(const std::shared_ptr<Exchange>& exchange) {
  absl::MutexLock lock(&calls_mu_);
  Calls& calls = calls_[exchange.get()];
  calls.exchange = exchange;
  ++calls.in_progress;
}

void HttpGateway::CallEnded(Exchange* exchange) {
  absl::MutexLock lock(&calls_mu_);
  auto it = calls_.find(exchange);
  if (it != calls_.end() && --it->second.in_progress == 0) calls_.erase(it);
}

void HttpGateway::WaitForCalls(absl::Duration timeout) {
  auto calls_ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(calls_mu_) { return calls_.empty(); };
  absl::MutexLock lock(&calls_mu_);
  calls_mu_.AwaitWithTimeout(absl::Condition(&calls_ended), timeout);
}

void HttpGateway::Shutdown(absl::Duration grace) {
  if (shut_down_ || loop_ == nullptr) return;
  shut_down_ = true;
  // No new connections; the ones open keep being served while the calls in progress end.
  loop_->Post([this] {
    if (listener_ != nullptr) evhttp_del_accept_socket(http_, listener_);
    listener_ = nullptr;
  });
  absl::Time give_up = absl::Now() + grace;
  auto calls_ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(calls_mu_) { return calls_.empty(); };
  {
    absl::MutexLock lock(&calls_mu_);
    calls_mu_.AwaitWithDeadline(absl::Condition(&calls_ended), give_up);
  }
  // Whatever still runs is cancelled, and gets a moment to answer.
  std::vector<std::shared_ptr<Exchange>> running;
  {
    absl::MutexLock lock(&calls_mu_);
    for (auto& [raw, calls] : calls_) {
      if (std::shared_ptr<Exchange> exchange = calls.exchange.lock()) running.push_back(exchange);
    }
  }
  for (const std::shared_ptr<Exchange>& exchange : running) exchange->Cancel();
  running.clear();
  {
    absl::MutexLock lock(&calls_mu_);
    calls_mu_.AwaitWithTimeout(absl::Condition(&calls_ended), absl::Seconds(5));
  }
  // The answers posted by the last calls are sent, and written out for up to a second.
  for (absl::Time flush_deadline = absl::Now() + absl::Seconds(1); absl::Now() < flush_deadline;) {
    struct Probe {
      absl::Notification done;
      size_t pending = 0;
    };
    auto probe = std::make_shared<Probe>();
    loop_->Post([this, probe] {
      for (const auto& [bufferevent, guard] : guards_) probe->pending += guard->pending_output();
      probe->done.Notify();
    });
    if (!probe->done.WaitForNotificationWithTimeout(absl::Seconds(1)) || probe->pending == 0) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  loop_->Stop();
  if (http_ != nullptr) evhttp_free(http_);  // closes the connections
  http_ = nullptr;
  // A call that has still not ended (it cannot post any more: the loop is stopped) must end
  // before the gateway goes.
  absl::MutexLock lock(&calls_mu_);
  calls_mu_.Await(absl::Condition(&calls_ended));
}

}  // namespace flowhost::http_api
