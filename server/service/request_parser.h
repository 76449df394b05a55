// Parses the bytes of a request into its message, the way gRPC would, but with an answer a client
// can act on when they are not valid: INVALID_ARGUMENT saying what is wrong and where
// (wire_diagnosis.h), instead of the empty UNIMPLEMENTED gRPC's callback API answers when its own
// deserialisation fails.
//
// Limits are protobuf's standard ones, the same every protobuf client and server applies: messages
// nest at most kMaxRequestNesting levels. For the JSON values in a request (google.protobuf.Struct
// and Value) an object costs three levels (a Struct, its map entry and a Value) and a list two, so
// a request's input nests at most 33 levels of objects.
// The size of a request is bounded before this, by gRPC (limits.max_message_bytes).
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_SERVICE_REQUEST_PARSER_H_
#define FLOWHOST_SERVER_SERVICE_REQUEST_PARSER_H_

#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"

namespace flowhost::service {

// protobuf's default recursion limit (io::CodedInputStream::GetDefaultRecursionLimit()).
inline constexpr int kMaxRequestNesting = 100;

// Fills `message` from `bytes`. INVALID_ARGUMENT ("the request is not a valid
// flowhost.v1.RunWorkflowRequest: field 'workflow' holds invalid UTF-8 ...") when it cannot.
absl::Status ParseRequest(const grpc::ByteBuffer& bytes, google::protobuf::Message& message);

// The same for bytes in memory (tests, tools).
absl::Status ParseRequestBytes(std::string_view bytes, google::protobuf::Message& message);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_REQUEST_PARSER_H_
