// How a gRPC status travels over HTTP: the one table from gRPC codes to HTTP statuses (the one
// grpc-gateway and Google's APIs use; docs/http.md lists it), and the error body, shaped like
// google.rpc.Status in protobuf's JSON mapping:
//
//   {"code": 5, "message": "no workflow named 'x' is loaded; ...",
//    "details": [{"@type": "type.googleapis.com/flowhost.v1.ErrorDetails", "errorClass": ...}]}
//
// Also the JSON bodies of the API: protobuf's JSON mapping of the very request and response
// messages the gRPC methods take, so HTTP and gRPC cannot drift apart.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_HTTP_API_HTTP_STATUS_H_
#define FLOWHOST_SERVER_HTTP_API_HTTP_STATUS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "flowhost/v1/error_details.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"

namespace flowhost::http_api {

// The HTTP status for a gRPC code: OK 200, CANCELLED 499, UNKNOWN 500, INVALID_ARGUMENT 400,
// DEADLINE_EXCEEDED 504, NOT_FOUND 404, ALREADY_EXISTS 409, PERMISSION_DENIED 403,
// RESOURCE_EXHAUSTED 429, FAILED_PRECONDITION 400, ABORTED 409, OUT_OF_RANGE 400,
// UNIMPLEMENTED 501, INTERNAL 500, UNAVAILABLE 503, DATA_LOSS 500, UNAUTHENTICATED 401.
int HttpStatusFor(grpc::StatusCode code);

// The reason phrase sent with `http_status` ("Not Found"); "Error" for one this API never sends.
std::string_view ReasonPhrase(int http_status);

// The google.rpc.Status JSON body for a failed call; `details` (when the server sent any) is the
// one entry of "details".
std::string ErrorBody(const grpc::Status& status, const std::optional<v1::ErrorDetails>& details);

// `message` in protobuf's JSON mapping: lowerCamelCase names, fields at their default value
// included (so `"valid": false` is there to read), one line.
std::string MessageToJson(const google::protobuf::Message& message);

// Parses `json` into `message` by protobuf's JSON mapping (either field-name spelling; unknown
// fields are refused). INVALID_ARGUMENT naming what is wrong, with `what` ("the request body")
// first.
absl::Status JsonToMessage(std::string_view json, std::string_view what,
                           google::protobuf::Message& message);

}  // namespace flowhost::http_api

#endif  // FLOWHOST_SERVER_HTTP_API_HTTP_STATUS_H_
