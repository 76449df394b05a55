// The OpenAI-compatible endpoint's translation (docs/http.md, "The OpenAI-compatible endpoint"):
// a chat completion request becomes a workflow's inputs, a workflow's result becomes a chat
// completion, a failure becomes OpenAI's error body. The exchanges (openai_exchange.h) call these;
// the stream's chunks are built by openai_stream.h.
//
// Messages to inputs, by the workflow's declared input names:
//   messages  (array)   the request's messages as they are
//   prompt, question (string)  the text of the last user message
//   system    (string)  the text of the system and developer messages, joined by a blank line
//   model     (string)  the requested model id, when the default workflow serves it
//   temperature, top_p, max_tokens, stop, seed, frequency_penalty, presence_penalty, user
//             the request's parameter of that name, when it is set (max_completion_tokens is
//             max_tokens when the request sets only it)
// Inputs the workflow does not declare are not sent; parameters it does not declare are not used.
//
// Output items to choices: item i is choice i. An object item answers with its `content`
// (string), `finish_reason` (else "stop") and `reasoning`; a string item is the content; any other
// item is its JSON text. The completion's `model` is the first item's `model` when it has one
// (the model that answered), else the id requested. `usage` is the execution's token totals, with
// its cost in US dollars as `cost` (OpenRouter's field).
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_HTTP_API_OPENAI_MAPPING_H_
#define FLOWHOST_SERVER_HTTP_API_OPENAI_MAPPING_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/json.h"
#include "flowhost/v1/error_details.pb.h"
#include "flowhost/v1/workflow.pb.h"
#include "google/protobuf/struct.pb.h"
#include "grpcpp/support/status.h"

namespace flowhost::http_api::openai {

// An error as OpenAI's API reports it: {"error": {"message", "type", "param", "code"}} with
// `http_status`.
struct Error {
  int http_status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // empty: null
  std::string code;   // empty: null
};

// The JSON body of `error`.
std::string ErrorBody(const Error& error);

// A failed gRPC call as an OpenAI error: the HTTP status of http_status.h, `type` from it
// (invalid_request_error, authentication_error, permission_error, not_found_error,
// rate_limit_error, timeout, server_error), and `code` the ErrorDetails' error class when the
// service sent one, else the gRPC code's name in lower case.
Error ErrorFromStatus(const grpc::Status& status, const std::optional<v1::ErrorDetails>& details);

// A parsed POST /v1/chat/completions body.
struct ChatRequest {
  std::string model;
  sdk::Json messages = sdk::Json::array();
  bool stream = false;
  sdk::Json parameters = sdk::Json::object();  // the sampling parameters that were set
};

// Parses a chat completion request. An Error naming the field (`param`) when the body is not a
// JSON object, `model` is not a non-empty string, `messages` is not a non-empty list of objects
// with a string `role`, `stream` is not a boolean, `n` is not 1, or `tools` / `functions` are
// given (a workflow is not a tool caller).
std::optional<Error> ParseChatRequest(std::string_view body, ChatRequest& request);

// The workflow's inputs for `request`, by the rule above; `requested_model` is passed as the
// `model` input when set (the default workflow). An Error when the workflow takes the text of the
// last user message and there is none.
std::optional<Error> BuildInputs(const ChatRequest& request, const v1::Workflow& workflow,
                                 const std::optional<std::string>& requested_model,
                                 sdk::Json& inputs);

// What one output item answers.
struct Answer {
  std::string content;
  std::string finish_reason = "stop";
  std::string reasoning;  // empty: none
  std::string model;      // empty: the item does not say
};
Answer AnswerOf(const sdk::Json& item);

// The answers of a workflow's output items, one per item (one empty answer when there is none).
std::vector<Answer> AnswersOf(const google::protobuf::RepeatedPtrField<google::protobuf::Value>&
                                  output_items);

// The `usage` object of an execution: prompt_tokens, completion_tokens, total_tokens, cost.
sdk::Json UsageOf(const v1::ExecutionSummary& summary);

// The `model` a completion names: the first answer's model, else `requested`.
std::string AnsweringModel(const std::vector<Answer>& answers, const std::string& requested);

// A whole chat.completion object. `id` is "chatcmpl-" and the execution id.
sdk::Json Completion(const std::string& execution_id, const std::string& model, int64_t created,
                     const std::vector<Answer>& answers, const v1::ExecutionSummary& summary);

// GET /v1/models: the workflows that expose "openai" and can run, as OpenAI's model list.
sdk::Json ModelList(const std::vector<v1::Workflow>& workflows);

// GET /v1/models/{id}: one model object of the list's shape. `served_by` is the workflow answering
// `id`: the workflow of that name, or the default workflow (the object then says so in its
// description).
sdk::Json ModelObject(const std::string& id, const v1::Workflow& served_by);

// Whether `workflow` is served as an OpenAI model: it exposes "openai" and a version of it loaded.
bool IsServedModel(const v1::Workflow& workflow);

// Whether `id` can name a workflow ([a-z0-9][a-z0-9_-]*); other ids go to the default workflow
// without a lookup.
bool CanNameWorkflow(std::string_view id);

}  // namespace flowhost::http_api::openai

#endif  // FLOWHOST_SERVER_HTTP_API_OPENAI_MAPPING_H_
