#include "server/http_api/http_status.h"

#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/json.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/common/utf8_text.h"

namespace flowhost::http_api {

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;  // "client closed request"
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
    default:
      return 500;
  }
}

std::string_view ReasonPhrase(int http_status) {
  switch (http_status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 499:
      return "Client Closed Request";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

std::string ErrorBody(const grpc::Status& status, const std::optional<v1::ErrorDetails>& details) {
  sdk::Json body = {{"code", static_cast<int>(status.error_code())},
                    {"message", status.error_message()},
                    {"details", sdk::Json::array()}};
  if (details.has_value()) {
    google::protobuf::Any any;
    any.PackFrom(*details);
    std::string packed;
    if (google::protobuf::util::MessageToJsonString(any, &packed).ok()) {
      body["details"].push_back(sdk::Json::parse(packed, nullptr, /*allow_exceptions=*/false));
    }
  }
  return body.dump(-1, ' ', false, sdk::Json::error_handler_t::replace);
}

std::string MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  // Printing a valid message cannot fail (it has no Any of an unknown type).
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

absl::Status JsonToMessage(std::string_view json, std::string_view what,
                           google::protobuf::Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &message, options);
  if (parsed.ok()) return absl::OkStatus();
  // Protobuf's reason can quote the body on a second line, bytes that are not UTF-8 included.
  std::string reason = common::ReplaceInvalidUtf8(std::string(parsed.message()));
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == '^')) reason.pop_back();
  return absl::InvalidArgumentError(std::string(what) + " does not fit " +
                                    message.GetDescriptor()->full_name() +
                                    " (protobuf's JSON mapping): " + reason);
}

}  // namespace flowhost::http_api
