#include "server/http_api/openai_mapping.h"

#include <cctype>
#include <utility>

#include "server/http_api/http_status.h"
#include "server/service/json_proto.h"

namespace flowhost::http_api::openai {
namespace {

using sdk::Json;

constexpr const char* kPassedParameters[] = {"temperature",      "top_p",    "max_tokens",
                                             "stop",             "seed",     "frequency_penalty",
                                             "presence_penalty", "user"};

Error BadRequest(std::string message, std::string param) {
  Error error;
  error.http_status = 400;
  error.message = std::move(message);
  error.param = std::move(param);
  return error;
}

std::string TypeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout";
    default:
      return http_status < 500 ? "invalid_request_error" : "server_error";
  }
}

std::string CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {
      "ok",        "cancelled",          "unknown",          "invalid_argument",
      "deadline_exceeded", "not_found",  "already_exists",   "permission_denied",
      "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
      "unimplemented", "internal",       "unavailable",      "data_loss",
      "unauthenticated"};
  int index = static_cast<int>(code);
  return index >= 0 && index < 17 ? kNames[index] : "unknown";
}

// A message's text: its string content, or the text of its content parts joined by newlines.
std::string TextOf(const Json& message) {
  auto content = message.find("content");
  if (content == message.end()) return "";
  if (content->is_string()) return content->get<std::string>();
  std::string text;
  if (content->is_array()) {
    for (const Json& part : *content) {
      auto part_text = part.is_object() ? part.find("text") : part.end();
      if (part.is_object() && part_text != part.end() && part_text->is_string()) {
        if (!text.empty()) text += "\n";
        text += part_text->get<std::string>();
      }
    }
  }
  return text;
}

bool Declares(const v1::Workflow& workflow, std::string_view name) {
  for (const v1::WorkflowInput& input : workflow.inputs()) {
    if (input.name() == name) return true;
  }
  return false;
}

}  // namespace

std::string ErrorBody(const Error& error) {
  Json body = {{"error",
                {{"message", error.message},
                 {"type", error.type},
                 {"param", error.param.empty() ? Json(nullptr) : Json(error.param)},
                 {"code", error.code.empty() ? Json(nullptr) : Json(error.code)}}}};
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Error ErrorFromStatus(const grpc::Status& status, const std::optional<v1::ErrorDetails>& details) {
  Error error;
  error.http_status = HttpStatusFor(status.error_code());
  error.message = status.error_message();
  error.type = TypeForHttpStatus(error.http_status);
  error.code = details.has_value() && !details->error_class().empty()
                   ? details->error_class()
                   : CodeName(status.error_code());
  return error;
}

std::optional<Error> ParseChatRequest(std::string_view body, ChatRequest& request) {
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return BadRequest("the request body must be a JSON object (a chat completion request)", "");
  }
  auto model = json.find("model");
  if (model == json.end() || !model->is_string() || model->get<std::string>().empty()) {
    return BadRequest("'model' must be a non-empty string: a workflow GET /v1/models lists",
                      "model");
  }
  request.model = model->get<std::string>();
  auto messages = json.find("messages");
  if (messages == json.end() || !messages->is_array() || messages->empty()) {
    return BadRequest("'messages' must be a non-empty list of messages", "messages");
  }
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& message = (*messages)[i];
    auto role = message.is_object() ? message.find("role") : message.end();
    if (!message.is_object() || role == message.end() || !role->is_string()) {
      return BadRequest("messages[" + std::to_string(i) + "] must be an object with a string 'role'",
                        "messages");
    }
  }
  request.messages = *messages;
  if (auto stream = json.find("stream"); stream != json.end() && !stream->is_null()) {
    if (!stream->is_boolean()) return BadRequest("'stream' must be true or false", "stream");
    request.stream = stream->get<bool>();
  }
  if (auto n = json.find("n"); n != json.end() && !n->is_null()) {
    if (!n->is_number_integer() || n->get<int64_t>() != 1) {
      return BadRequest("'n' must be 1: a workflow answers once per request", "n");
    }
  }
  for (const char* unsupported : {"tools", "functions"}) {
    auto given = json.find(unsupported);
    if (given != json.end() && !given->is_null() && !(given->is_array() && given->empty())) {
      return BadRequest(std::string("'") + unsupported +
                            "' is not supported: a workflow model does not call tools",
                        unsupported);
    }
  }
  for (const char* name : kPassedParameters) {
    auto value = json.find(name);
    if (value != json.end() && !value->is_null()) request.parameters[name] = *value;
  }
  auto max_completion = json.find("max_completion_tokens");
  if (!request.parameters.contains("max_tokens") && max_completion != json.end() &&
      !max_completion->is_null()) {
    request.parameters["max_tokens"] = *max_completion;
  }
  return std::nullopt;
}

std::optional<Error> BuildInputs(const ChatRequest& request, const v1::Workflow& workflow,
                                 const std::optional<std::string>& requested_model,
                                 Json& inputs) {
  inputs = Json::object();
  if (Declares(workflow, "messages")) inputs["messages"] = request.messages;
  for (const char* name : {"prompt", "question"}) {
    if (!Declares(workflow, name)) continue;
    const Json* last_user = nullptr;
    for (const Json& message : request.messages) {
      if (message["role"] == "user") last_user = &message;
    }
    if (last_user == nullptr) {
      return BadRequest("the model '" + request.model + "' answers the last user message, and " +
                            "'messages' has none",
                        "messages");
    }
    inputs[name] = TextOf(*last_user);
  }
  if (Declares(workflow, "system")) {
    std::string system;
    for (const Json& message : request.messages) {
      if (message["role"] != "system" && message["role"] != "developer") continue;
      if (!system.empty()) system += "\n\n";
      system += TextOf(message);
    }
    if (!system.empty()) inputs["system"] = system;
  }
  if (requested_model.has_value() && Declares(workflow, "model")) {
    inputs["model"] = *requested_model;
  }
  for (const auto& [name, value] : request.parameters.items()) {
    if (Declares(workflow, name)) inputs[name] = value;
  }
  return std::nullopt;
}

Answer AnswerOf(const Json& item) {
  Answer answer;
  if (item.is_string()) {
    answer.content = item.get<std::string>();
    return answer;
  }
  if (!item.is_object()) {
    answer.content = item.dump(-1, ' ', false, Json::error_handler_t::replace);
    return answer;
  }
  auto text = [&](const char* key) -> std::string {
    auto value = item.find(key);
    return value != item.end() && value->is_string() ? value->get<std::string>() : "";
  };
  if (auto content = item.find("content"); content != item.end() && content->is_string()) {
    answer.content = content->get<std::string>();
  } else {
    answer.content = item.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  if (std::string finish = text("finish_reason"); !finish.empty()) answer.finish_reason = finish;
  answer.reasoning = text("reasoning");
  answer.model = text("model");
  return answer;
}

std::vector<Answer> AnswersOf(
    const google::protobuf::RepeatedPtrField<google::protobuf::Value>& output_items) {
  std::vector<Answer> answers;
  for (const google::protobuf::Value& item : output_items) {
    answers.push_back(AnswerOf(service::ValueToJson(item)));
  }
  if (answers.empty()) answers.emplace_back();
  return answers;
}

Json UsageOf(const v1::ExecutionSummary& summary) {
  return {{"prompt_tokens", summary.prompt_tokens()},
          {"completion_tokens", summary.completion_tokens()},
          {"total_tokens", summary.prompt_tokens() + summary.completion_tokens()},
          {"cost", summary.cost_usd()}};
}

std::string AnsweringModel(const std::vector<Answer>& answers, const std::string& requested) {
  return !answers.empty() && !answers.front().model.empty() ? answers.front().model : requested;
}

Json Completion(const std::string& execution_id, const std::string& model, int64_t created,
                const std::vector<Answer>& answers, const v1::ExecutionSummary& summary) {
  Json choices = Json::array();
  for (size_t i = 0; i < answers.size(); ++i) {
    Json message = {{"role", "assistant"}, {"content", answers[i].content}};
    if (!answers[i].reasoning.empty()) message["reasoning"] = answers[i].reasoning;
    choices.push_back({{"index", i},
                       {"message", std::move(message)},
                       {"logprobs", nullptr},
                       {"finish_reason", answers[i].finish_reason}});
  }
  return {{"id", "chatcmpl-" + execution_id},
          {"object", "chat.completion"},
          {"created", created},
          {"model", model},
          {"choices", std::move(choices)},
          {"usage", UsageOf(summary)}};
}

bool IsServedModel(const v1::Workflow& workflow) {
  if (workflow.load_state() == v1::LOAD_STATE_FAILED) return false;
  for (const std::string& api : workflow.expose()) {
    if (api == "openai") return true;
  }
  return false;
}

Json ModelList(const std::vector<v1::Workflow>& workflows) {
  Json data = Json::array();
  for (const v1::Workflow& workflow : workflows) {
    if (!IsServedModel(workflow)) continue;
    data.push_back(ModelObject(workflow.name(), workflow));
  }
  return {{"object", "list"}, {"data", std::move(data)}};
}

Json ModelObject(const std::string& id, const v1::Workflow& served_by) {
  Json model = {{"id", id},
                {"object", "model"},
                {"created", served_by.load_time().seconds()},
                {"owned_by", "flowhost"}};
  if (id != served_by.name()) {
    model["description"] = "served by the default workflow '" + served_by.name() + "'";
  } else if (!served_by.description().empty()) {
    model["description"] = served_by.description();
  }
  return model;
}

bool CanNameWorkflow(std::string_view id) {
  if (id.empty() || !(std::islower(static_cast<unsigned char>(id.front())) ||
                      std::isdigit(static_cast<unsigned char>(id.front())))) {
    return false;
  }
  for (char c : id) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace flowhost::http_api::openai
