// The OpenAI-compatible endpoint's requests (docs/http.md), each answered through calls of the
// gRPC WorkflowService on the in-process channel like every other HTTP request (exchange.h):
//
//   GET /v1/models             ListWorkflows, page by page: the workflows exposed as "openai"
//   POST /v1/chat/completions  GetWorkflow for the model (or the default workflow for an id that
//                              is not such a workflow), then RunWorkflow, or StreamWorkflow for
//                              `"stream": true`, with the inputs openai_mapping.h builds
//
// Failures answer in OpenAI's error shape with the status of http_status.h. A client that leaves
// cancels the call in progress, so the execution is cancelled and its upstream calls aborted.
//
// Ownership and threads: as Exchange. The calls' callbacks run on gRPC's threads and post every
// step to the gateway's loop thread; Cancel may come from any thread.
#ifndef FLOWHOST_SERVER_HTTP_API_OPENAI_EXCHANGE_H_
#define FLOWHOST_SERVER_HTTP_API_OPENAI_EXCHANGE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/http_api/exchange.h"
#include "server/http_api/openai_mapping.h"
#include "server/http_api/openai_stream.h"

namespace flowhost::http_api {

// Answers `request` with an OpenAI error body (loop thread; for answers the gateway gives itself).
void AnswerOpenAiError(evhttp_request* request, const openai::Error& error);

// The calls made before the exchange's main one (a lookup, a page), each with its own context
// carrying the exchange's metadata, cancelled with the exchange. Every context is kept until the
// exchange goes: gRPC may still be finishing a call while its callback's continuation runs.
class SideCalls {
 public:
  // A fresh context carrying `metadata` (loop thread).
  grpc::ClientContext& Next(const std::vector<std::pair<std::string, std::string>>& metadata);
  // The context Next returned last (loop thread).
  grpc::ClientContext& current();
  // Cancels the call in progress and every later one (any thread).
  void Cancel();

 private:
  absl::Mutex mu_;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// An exchange that makes calls before its main one (side_calls_), all cancelled with it.
class SideCallExchange : public Exchange {
 public:
  using Exchange::Exchange;
  void Cancel() override;
  void PeerGone() override;

 protected:
  SideCalls side_calls_;
};

// An exchange for a model id: it first looks up the workflow serving it, as a side call.
class ModelIdExchange : public SideCallExchange {
 public:
  using SideCallExchange::SideCallExchange;

 protected:
  // Looks `workflow` up with GetWorkflow; OnLookedUp gets the status on the loop thread and the
  // workflow in lookup_response_. `is_default`: whether `workflow` is the default workflow.
  void LookUp(const std::string& workflow, bool is_default);
  virtual void OnLookedUp(const grpc::Status& status, bool is_default) = 0;

  v1::GetWorkflowRequest lookup_request_;
  v1::GetWorkflowResponse lookup_response_;
};

// GET /v1/models.
class ModelsExchange final : public SideCallExchange {
 public:
  using SideCallExchange::SideCallExchange;
  void Begin() override;

 private:
  void RequestPage(const std::string& page_token);
  void OnPage(const grpc::Status& status);  // loop thread

  v1::ListWorkflowsRequest page_request_;
  v1::ListWorkflowsResponse page_;
  std::vector<v1::Workflow> workflows_;
};

// GET /v1/models/{id}: the model object when a chat completion for `id` would run a workflow
// (a workflow of that name exposed as "openai", else the default workflow when one is configured
// and loaded); 404 model_not_found otherwise.
class ModelExchange final : public ModelIdExchange {
 public:
  ModelExchange(HttpGateway& gateway, evhttp_request* request, std::string model,
                std::string default_workflow)
      : ModelIdExchange(gateway, request),
        model_(std::move(model)),
        default_workflow_(std::move(default_workflow)) {}
  void Begin() override;

 private:
  void OnLookedUp(const grpc::Status& status, bool is_default) override;  // loop thread

  const std::string model_;
  const std::string default_workflow_;
};

// POST /v1/chat/completions.
class ChatCompletionExchange final : public ModelIdExchange,
                                     public grpc::ClientReadReactor<v1::StreamWorkflowResponse> {
 public:
  // `default_workflow` serves the model ids that are not workflows exposed as "openai" (empty:
  // none; those are 404 model_not_found).
  ChatCompletionExchange(HttpGateway& gateway, evhttp_request* request,
                         openai::ChatRequest chat, std::string default_workflow);

  void Begin() override;
  void PeerGone() override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  void OnLookedUp(const grpc::Status& status, bool is_default) override;  // loop thread
  void Run(const std::string& workflow, const sdk::Json& inputs);
  void OnRunDone(const grpc::Status& status);  // loop thread
  void Fail(const openai::Error& error);
  // The stream's steps (loop thread), as StreamExchange's.
  void ReadNext() { StartRead(&incoming_); }
  void WritePayloads(const std::vector<std::string>& payloads);
  static void OnPayloadsWritten(evhttp_connection* connection, void* self);
  void FinishStream(const grpc::Status& status);

  const openai::ChatRequest chat_;
  const std::string default_workflow_;
  const int64_t created_;
  v1::RunWorkflowRequest run_request_;
  v1::RunWorkflowResponse run_response_;
  v1::StreamWorkflowRequest stream_request_;
  v1::StreamWorkflowResponse incoming_;
  openai::CompletionStream stream_;
  std::shared_ptr<ChatCompletionExchange> self_;  // a stream holds it from Run until OnDone
  bool head_sent_ = false;       // loop thread
  bool awaiting_write_ = false;  // loop thread
};

}  // namespace flowhost::http_api

#endif  // FLOWHOST_SERVER_HTTP_API_OPENAI_EXCHANGE_H_
