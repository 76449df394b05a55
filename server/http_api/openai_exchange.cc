#include "server/http_api/openai_exchange.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include <utility>

#include "absl/time/clock.h"
#include "server/http_api/http_gateway.h"
#include "server/http_api/http_status.h"
#include "server/service/json_proto.h"
#include "server/service/status_mapping.h"

namespace flowhost::http_api {
namespace {

// Posts `step` to the loop thread with `exchange` kept alive.
template <typename Self, typename Step>
void PostToLoop(HttpGateway& gateway, std::shared_ptr<Self> exchange, Step step) {
  gateway.loop().Post(
      [exchange = std::move(exchange), step = std::move(step)]() mutable { step(*exchange); });
}

openai::Error ModelNotFound(const std::string& model) {
  openai::Error error;
  error.http_status = 404;
  error.type = "not_found_error";
  error.code = "model_not_found";
  error.param = "model";
  error.message = "The model '" + model +
                  "' does not exist: no loaded workflow of that name is exposed as an OpenAI "
                  "model (`expose: openai`); GET /v1/models lists them";
  return error;
}

}  // namespace

void AnswerOpenAiError(evhttp_request* request, const openai::Error& error) {
  std::string body = openai::ErrorBody(error);
  evhttp_add_header(evhttp_request_get_output_headers(request), "Content-Type",
                    "application/json");
  evbuffer* buffer = evbuffer_new();
  evbuffer_add(buffer, body.data(), body.size());
  evhttp_send_reply(request, error.http_status,
                    std::string(ReasonPhrase(error.http_status)).c_str(), buffer);
  evbuffer_free(buffer);
}

grpc::ClientContext& SideCalls::Next(
    const std::vector<std::pair<std::string, std::string>>& metadata) {
  auto context = std::make_unique<grpc::ClientContext>();
  for (const auto& [key, value] : metadata) context->AddMetadata(key, value);
  absl::MutexLock lock(&mu_);
  if (cancelled_) context->TryCancel();
  contexts_.push_back(std::move(context));
  return *contexts_.back();
}

grpc::ClientContext& SideCalls::current() {
  absl::MutexLock lock(&mu_);
  return *contexts_.back();
}

void SideCalls::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (!contexts_.empty()) contexts_.back()->TryCancel();
}

// ---- Side calls, and a model id's lookup ----

void SideCallExchange::Cancel() {
  side_calls_.Cancel();
  Exchange::Cancel();
}

void SideCallExchange::PeerGone() {
  peer_gone_ = true;
  Cancel();
}

void ModelIdExchange::LookUp(const std::string& workflow, bool is_default) {
  auto self = std::static_pointer_cast<ModelIdExchange>(shared_from_this());
  gateway_.CallStarted(self);
  lookup_request_.set_name(workflow);
  lookup_response_.Clear();
  gateway_.stub().async()->GetWorkflow(
      &side_calls_.Next(metadata_), &lookup_request_, &lookup_response_,
      [self, is_default, &gateway = gateway_](grpc::Status status) {
        PostToLoop(gateway, self, [status, is_default](ModelIdExchange& exchange) {
          exchange.OnLookedUp(status, is_default);
        });
        gateway.CallEnded(self.get());
      });
}

// ---- GET /v1/models ----

void ModelsExchange::Begin() { RequestPage(""); }

void ModelsExchange::RequestPage(const std::string& page_token) {
  auto self = std::static_pointer_cast<ModelsExchange>(shared_from_this());
  gateway_.CallStarted(self);
  page_request_.Clear();
  page_request_.set_page_size(1000);
  page_request_.set_page_token(page_token);
  page_.Clear();
  gateway_.stub().async()->ListWorkflows(
      &side_calls_.Next(metadata_), &page_request_, &page_,
      [self, &gateway = gateway_](grpc::Status status) {
        PostToLoop(gateway, self, [status](ModelsExchange& exchange) { exchange.OnPage(status); });
        gateway.CallEnded(self.get());
      });
}

void ModelsExchange::OnPage(const grpc::Status& status) {
  if (!status.ok()) {
    return AnswerJson(HttpStatusFor(status.error_code()),
                      openai::ErrorBody(openai::ErrorFromStatus(
                          status, service::ReadErrorDetails(side_calls_.current()))));
  }
  for (v1::Workflow& workflow : *page_.mutable_workflows()) {
    workflows_.push_back(std::move(workflow));
  }
  if (!page_.next_page_token().empty() && !peer_gone_) {
    return RequestPage(page_.next_page_token());
  }
  AnswerJson(200, openai::ModelList(workflows_).dump(-1, ' ', false,
                                                     sdk::Json::error_handler_t::replace));
}

// ---- GET /v1/models/{id} ----

void ModelExchange::Begin() {
  if (openai::CanNameWorkflow(model_)) return LookUp(model_, /*is_default=*/false);
  if (!default_workflow_.empty()) return LookUp(default_workflow_, /*is_default=*/true);
  openai::Error error = ModelNotFound(model_);
  AnswerJson(error.http_status, openai::ErrorBody(error));
}

void ModelExchange::OnLookedUp(const grpc::Status& status, bool is_default) {
  const v1::Workflow& workflow = lookup_response_.workflow();
  // As for a chat completion: a workflow exposed as "openai" serves its name; any other id goes
  // to the default workflow, which serves it if it is loaded.
  bool served = status.ok() && (is_default ? workflow.load_state() != v1::LOAD_STATE_FAILED
                                           : openai::IsServedModel(workflow));
  if (served) {
    return AnswerJson(200, openai::ModelObject(model_, workflow)
                               .dump(-1, ' ', false, sdk::Json::error_handler_t::replace));
  }
  if (status.ok() || status.error_code() == grpc::StatusCode::NOT_FOUND) {
    if (!is_default && !default_workflow_.empty()) {
      return LookUp(default_workflow_, /*is_default=*/true);
    }
    openai::Error error = ModelNotFound(model_);
    if (is_default) {
      error.message += "; the default workflow '" + default_workflow_ +
                       "' (http_server.openai_default_workflow) that would serve it is not loaded";
    }
    return AnswerJson(error.http_status, openai::ErrorBody(error));
  }
  AnswerJson(HttpStatusFor(status.error_code()),
             openai::ErrorBody(openai::ErrorFromStatus(
                 status, service::ReadErrorDetails(side_calls_.current()))));
}

// ---- POST /v1/chat/completions ----

ChatCompletionExchange::ChatCompletionExchange(HttpGateway& gateway, evhttp_request* request,
                                               openai::ChatRequest chat,
                                               std::string default_workflow)
    : ModelIdExchange(gateway, request),
      chat_(std::move(chat)),
      default_workflow_(std::move(default_workflow)),
      created_(absl::ToUnixSeconds(absl::Now())),
      stream_(chat_.model, created_) {}

void ChatCompletionExchange::Begin() {
  if (openai::CanNameWorkflow(chat_.model)) return LookUp(chat_.model, /*is_default=*/false);
  if (!default_workflow_.empty()) return LookUp(default_workflow_, /*is_default=*/true);
  Fail(ModelNotFound(chat_.model));
}

void ChatCompletionExchange::PeerGone() {
  SideCallExchange::PeerGone();
  if (awaiting_write_) {
    // The payloads being written never will be: read on, so the cancelled stream ends.
    awaiting_write_ = false;
    ReadNext();
  }
}

void ChatCompletionExchange::OnLookedUp(const grpc::Status& status, bool is_default) {
  if (peer_gone_) return Fail(openai::ErrorFromStatus(
                         grpc::Status(grpc::StatusCode::CANCELLED, "the client left"), {}));
  bool served = status.ok() && (is_default || openai::IsServedModel(lookup_response_.workflow()));
  if (!served && (status.ok() || status.error_code() == grpc::StatusCode::NOT_FOUND)) {
    if (is_default) {
      openai::Error error;
      error.http_status = 500;
      error.type = "server_error";
      error.code = "default_workflow_missing";
      error.message = "the model '" + chat_.model + "' is served by the default workflow '" +
                      default_workflow_ +
                      "' (http_server.openai_default_workflow), which is not loaded";
      return Fail(error);
    }
    if (!default_workflow_.empty()) return LookUp(default_workflow_, /*is_default=*/true);
    return Fail(ModelNotFound(chat_.model));
  }
  if (!status.ok()) {
    return Fail(openai::ErrorFromStatus(status, service::ReadErrorDetails(side_calls_.current())));
  }
  sdk::Json inputs;
  std::optional<std::string> requested_model;
  if (is_default) requested_model = chat_.model;
  if (std::optional<openai::Error> error =
          openai::BuildInputs(chat_, lookup_response_.workflow(), requested_model, inputs)) {
    return Fail(*error);
  }
  Run(lookup_response_.workflow().name(), inputs);
}

void ChatCompletionExchange::Run(const std::string& workflow, const sdk::Json& inputs) {
  google::protobuf::Struct input;
  if (absl::Status converted = service::JsonToStruct(inputs, input); !converted.ok()) {
    openai::Error error;
    error.message = std::string(converted.message());
    error.param = "messages";
    return Fail(error);
  }
  auto self = std::static_pointer_cast<ChatCompletionExchange>(shared_from_this());
  gateway_.CallStarted(self);
  if (!chat_.stream) {
    run_request_.set_workflow(workflow);
    *run_request_.mutable_input() = std::move(input);
    gateway_.stub().async()->RunWorkflow(
        &context_, &run_request_, &run_response_,
        [self, &gateway = gateway_](grpc::Status status) {
          PostToLoop(gateway, self,
                     [status](ChatCompletionExchange& exchange) { exchange.OnRunDone(status); });
          gateway.CallEnded(self.get());
        });
    return;
  }
  stream_request_.set_workflow(workflow);
  *stream_request_.mutable_input() = std::move(input);
  self_ = self;
  gateway_.stub().async()->StreamWorkflow(&context_, &stream_request_, this);
  AddHold();  // reads are started from the loop thread, outside reactions
  StartRead(&incoming_);
  StartCall();
}

void ChatCompletionExchange::OnRunDone(const grpc::Status& status) {
  if (request_ == nullptr) return;
  AddCallHeaders(request_, context_);
  if (!status.ok()) {
    return Fail(openai::ErrorFromStatus(status, service::ReadErrorDetails(context_)));
  }
  std::vector<openai::Answer> answers = openai::AnswersOf(run_response_.output_items());
  sdk::Json completion =
      openai::Completion(run_response_.execution_id(), openai::AnsweringModel(answers, chat_.model),
                         created_, answers, run_response_.summary());
  AnswerJson(200, completion.dump(-1, ' ', false, sdk::Json::error_handler_t::replace));
}

void ChatCompletionExchange::Fail(const openai::Error& error) {
  AnswerJson(error.http_status, openai::ErrorBody(error));
}

void ChatCompletionExchange::OnReadDone(bool ok) {
  if (!ok) {
    RemoveHold();  // no read follows: OnDone comes once the call has ended
    return;
  }
  auto message = std::make_shared<v1::StreamWorkflowResponse>();
  message->Swap(&incoming_);
  PostToLoop(gateway_, std::static_pointer_cast<ChatCompletionExchange>(shared_from_this()),
             [message](ChatCompletionExchange& exchange) {
               exchange.WritePayloads(exchange.stream_.OnMessage(*message));
             });
}

void ChatCompletionExchange::WritePayloads(const std::vector<std::string>& payloads) {
  if (request_ == nullptr || peer_gone_ || evhttp_request_get_connection(request_) == nullptr ||
      payloads.empty()) {
    ReadNext();  // nothing to write, or nobody reads (the call is cancelled): read on
    return;
  }
  if (!head_sent_) {
    head_sent_ = true;
    if (ConnectionGuard* guard = gateway_.GuardOf(request_)) guard->AnswerStarted();
    evkeyvalq* headers = evhttp_request_get_output_headers(request_);
    evhttp_add_header(headers, "Content-Type", "text/event-stream");
    evhttp_add_header(headers, "Cache-Control", "no-cache");
    AddCallHeaders(request_, context_);
    evhttp_send_reply_start(request_, 200, "OK");
    // As StreamExchange: a quiet execution must not cut its stream; writes keep their timeout.
    if (evhttp_connection* connection = evhttp_request_get_connection(request_)) {
      timeval write_timeout = absl::ToTimeval(gateway_.io_timeout());
      bufferevent_set_timeouts(evhttp_connection_get_bufferevent(connection), nullptr,
                               &write_timeout);
    }
  }
  evbuffer* buffer = evbuffer_new();
  for (const std::string& payload : payloads) {
    evbuffer_add(buffer, "data: ", 6);
    evbuffer_add(buffer, payload.data(), payload.size());
    evbuffer_add(buffer, "\n\n", 2);
  }
  awaiting_write_ = true;
  evhttp_send_reply_chunk_with_cb(request_, buffer, &ChatCompletionExchange::OnPayloadsWritten,
                                  this);
  evbuffer_free(buffer);
}

void ChatCompletionExchange::OnPayloadsWritten(evhttp_connection*, void* self) {
  auto* exchange = static_cast<ChatCompletionExchange*>(self);
  if (!exchange->awaiting_write_) return;
  exchange->awaiting_write_ = false;
  exchange->ReadNext();
}

void ChatCompletionExchange::OnDone(const grpc::Status& status) {
  std::shared_ptr<ChatCompletionExchange> self = std::move(self_);
  PostToLoop(gateway_, self,
             [status](ChatCompletionExchange& exchange) { exchange.FinishStream(status); });
  gateway_.CallEnded(this);
}

void ChatCompletionExchange::FinishStream(const grpc::Status& status) {
  if (request_ == nullptr) return;
  if (!head_sent_) {
    AddCallHeaders(request_, context_);
    if (!status.ok()) {
      return Fail(openai::ErrorFromStatus(status, service::ReadErrorDetails(context_)));
    }
    openai::Error error;
    error.http_status = 500;
    error.type = "server_error";
    error.message = "the workflow's stream ended without an event";
    return Fail(error);
  }
  if (ConnectionGuard* guard = gateway_.GuardOf(request_)) guard->AnswerFinished();
  if (evhttp_request_get_connection(request_) != nullptr) {
    evbuffer* buffer = evbuffer_new();
    for (const std::string& payload :
         stream_.OnEnd(status, service::ReadErrorDetails(context_))) {
      evbuffer_add(buffer, "data: ", 6);
      evbuffer_add(buffer, payload.data(), payload.size());
      evbuffer_add(buffer, "\n\n", 2);
    }
    evhttp_send_reply_chunk(request_, buffer);
    evbuffer_free(buffer);
  }
  evhttp_send_reply_end(request_);
  request_ = nullptr;
}

}  // namespace flowhost::http_api
