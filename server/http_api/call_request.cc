#include "server/http_api/call_request.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "flowhost/sdk/abbreviate.h"
#include "flowhost/sdk/json.h"
#include "google/protobuf/descriptor.h"
#include "server/common/utf8_text.h"
#include "server/http_api/http_status.h"

namespace flowhost::http_api {
namespace {

// Whether `key` names a repeated field of `message` (by its proto or JSON name).
bool IsRepeatedField(const google::protobuf::Descriptor& message, const std::string& key) {
  const google::protobuf::FieldDescriptor* field = message.FindFieldByName(key);
  if (field == nullptr) field = message.FindFieldByCamelcaseName(key);
  return field != nullptr && field->is_repeated();
}

// INVALID_ARGUMENT naming the first byte of `text` that is not UTF-8 ("`what` is not UTF-8 once
// percent-decoded (byte 0xC3 at offset 3)", without "once percent-decoded" for text that was not
// decoded); OK when `text` is UTF-8. What a path or a query names is carried in protobuf strings
// and quoted in messages, all UTF-8.
absl::Status CheckUtf8(std::string_view what, std::string_view text, bool decoded = true) {
  std::optional<size_t> bad = common::FindInvalidUtf8(text);
  if (!bad.has_value()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat("%s is not UTF-8%s (byte 0x%02X at offset %d)",
                                                    what, decoded ? " once percent-decoded" : "",
                                                    static_cast<unsigned char>(text[*bad]), *bad));
}

// The query's parameters as a JSON object of strings, for protobuf's JSON parser (which takes
// numbers, booleans and enum names as strings); a repeated field's values (`states=A&states=B`)
// as a list. INVALID_ARGUMENT when the query cannot be parsed, or a name or value is not UTF-8.
absl::StatusOr<std::string> QueryAsJson(std::string_view query,
                                        const google::protobuf::Descriptor& message) {
  sdk::Json object = sdk::Json::object();
  if (query.empty()) return object.dump();
  evkeyvalq parameters;
  if (evhttp_parse_query_str(std::string(query).c_str(), &parameters) != 0) {
    return absl::InvalidArgumentError("the query string cannot be parsed");
  }
  for (evkeyval* parameter = parameters.tqh_first; parameter != nullptr;
       parameter = parameter->next.tqe_next) {
    // Refused rather than repaired: a filter on a name with U+FFFD in it would quietly match
    // nothing. evhttp decodes a parameter's value, not its name.
    absl::Status text = CheckUtf8("a query parameter's name", parameter->key, /*decoded=*/false);
    if (text.ok()) {
      text = CheckUtf8("the query parameter '" + sdk::Abbreviate(parameter->key, 64) + "'",
                       parameter->value);
    }
    if (!text.ok()) {
      evhttp_clear_headers(&parameters);
      return text;
    }
    if (IsRepeatedField(message, parameter->key)) {
      object[parameter->key].push_back(parameter->value);
    } else {
      object[parameter->key] = parameter->value;
    }
  }
  evhttp_clear_headers(&parameters);
  return object.dump(-1, ' ', false, sdk::Json::error_handler_t::replace);
}

template <typename Message>
absl::Status ParseBody(std::string_view body, Message& message) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return absl::OkStatus();
  return JsonToMessage(body, "the request body", message);
}

template <typename Message>
absl::Status ParseQuery(std::string_view query, Message& message) {
  absl::StatusOr<std::string> json = QueryAsJson(query, *Message::descriptor());
  if (!json.ok()) return json.status();
  return JsonToMessage(*json, "the query string", message);
}

// What the path names (a workflow, an execution id or a model id), refused before any message
// quotes it or a request carries it when it is not UTF-8. OK for a path that names nothing.
absl::Status CheckPathText(const Route& route) {
  absl::Status workflow =
      CheckUtf8(route.method == Method::kGetModel ? "the model id in the path"
                                                  : "the workflow name in the path",
                route.workflow);
  if (!workflow.ok()) return workflow;
  return CheckUtf8("the execution id in the path", route.execution_id);
}

// The body of :run or :stream; the path's workflow, when it names one, is the request's.
template <typename Message>
absl::Status ParseExecutionRequest(std::string_view body, const Route& route, Message& message) {
  if (absl::Status parsed = ParseBody(body, message); !parsed.ok()) return parsed;
  if (route.workflow.empty()) return absl::OkStatus();
  if (message.source_case() != Message::SOURCE_NOT_SET) {
    return absl::InvalidArgumentError(
        "the path names the workflow ('" + route.workflow +
        "'); the request body must not set `workflow` or `yaml` (POST /v1/workflows:run takes "
        "them in the body)");
  }
  message.set_workflow(route.workflow);
  return absl::OkStatus();
}

// The execution a path names is the message's, once `parsed` (the query or body) is OK; one naming
// another is refused.
template <typename Message>
absl::Status TakeExecutionId(const Route& route, absl::Status parsed, Message& message) {
  if (!parsed.ok()) return parsed;
  if (!message.execution_id().empty() && message.execution_id() != route.execution_id) {
    return absl::InvalidArgumentError("the path names the execution ('" + route.execution_id +
                                      "'); the request must not name another");
  }
  message.set_execution_id(route.execution_id);
  return absl::OkStatus();
}

// The method's message, as `parse` fills it, is the call's; so is its refusal.
template <typename Message, typename Parse>
void Fill(CallRequest& call, Parse parse) {
  Message message;
  call.refused = parse(message);
  call.message = std::move(message);
}

}  // namespace

CallRequest ParseCallRequest(const Route& route, std::string_view query, std::string_view body) {
  CallRequest call;
  if (absl::Status path_text = CheckPathText(route); !path_text.ok()) {
    if (IsOpenAiMethod(route.method)) {
      openai::Error error;
      error.message = std::string(path_text.message());
      call.openai_refused = std::move(error);
    } else {
      call.refused = std::move(path_text);
    }
    return call;
  }
  auto from_body = [body](auto& message) { return ParseBody(body, message); };
  auto from_query = [query](auto& message) { return ParseQuery(query, message); };
  auto execution = [body, &route](auto& message) {
    return ParseExecutionRequest(body, route, message);
  };
  // A method on one execution: its fields from the query (GET) or the body (POST), its id from
  // the path.
  auto execution_id_and_query = [query, &route](auto& message) {
    return TakeExecutionId(route, ParseQuery(query, message), message);
  };
  auto execution_id_and_body = [body, &route](auto& message) {
    return TakeExecutionId(route, ParseBody(body, message), message);
  };
  switch (route.method) {
    case Method::kRun:
      Fill<v1::RunWorkflowRequest>(call, execution);
      break;
    case Method::kStream:
      Fill<v1::StreamWorkflowRequest>(call, execution);
      break;
    case Method::kStart:
      Fill<v1::StartWorkflowRequest>(call, execution);
      break;
    case Method::kValidate:
      Fill<v1::ValidateWorkflowRequest>(call, from_body);
      break;
    case Method::kListWorkflows:
      Fill<v1::ListWorkflowsRequest>(call, from_query);
      break;
    case Method::kGetWorkflow:
      Fill<v1::GetWorkflowRequest>(call, [&](v1::GetWorkflowRequest& message) {
        absl::Status parsed = ParseQuery(query, message);
        if (parsed.ok() && !message.name().empty()) {
          parsed = absl::InvalidArgumentError("the path names the workflow; the query must not");
        }
        message.set_name(route.workflow);
        return parsed;
      });
      break;
    case Method::kListNodeTypes:
      Fill<v1::ListNodeTypesRequest>(call, from_query);
      break;
    case Method::kListExecutions:
      Fill<v1::ListExecutionsRequest>(call, from_query);
      break;
    case Method::kGetExecution:
      Fill<v1::GetExecutionRequest>(call, execution_id_and_query);
      break;
    case Method::kWatchExecution:
      Fill<v1::WatchExecutionRequest>(call, execution_id_and_query);
      break;
    case Method::kCancelExecution:
      Fill<v1::CancelExecutionRequest>(call, execution_id_and_body);
      break;
    case Method::kRetryExecution:
      Fill<v1::RetryExecutionRequest>(call, execution_id_and_body);
      break;
    case Method::kChatCompletions: {
      openai::ChatRequest chat;
      call.openai_refused = openai::ParseChatRequest(body, chat);
      call.message = std::move(chat);
      break;
    }
    case Method::kListModels:
    case Method::kGetModel:
      break;
  }
  return call;
}

}  // namespace flowhost::http_api
