// Converts between flowhost's JSON (nlohmann::json, the items nodes see) and the protobuf
// well-known types the API uses for them (google.protobuf.Value / Struct), so items are natural
// JSON in grpcurl and in every language's generated code.
//
// Numbers: protobuf carries every number as a double. JSON -> proto converts integers exactly up to
// 2^53; proto -> JSON turns integral doubles within that range back into integers, so an input
// declared `integer` accepts 3 sent as 3.0. Nesting is bounded by kMaxJsonDepth, protobuf's own
// parse limit.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_SERVICE_JSON_PROTO_H_
#define FLOWHOST_SERVER_SERVICE_JSON_PROTO_H_

#include "absl/status/status.h"
#include "flowhost/sdk/json.h"
#include "google/protobuf/struct.pb.h"

namespace flowhost::service {

// Deeper values are refused: protobuf's parsers stop at 100 levels, so a client could not read
// them.
inline constexpr int kMaxJsonDepth = 96;

// Converts `json` into `value`. INVALID_ARGUMENT (class limit_exceeded) when nested too deeply; a
// non-finite number (which JSON cannot carry) becomes null.
absl::Status JsonToValue(const sdk::Json& json, google::protobuf::Value& value);

// Converts a JSON object into `out`. INVALID_ARGUMENT if `json` is not an object or nests too
// deeply.
absl::Status JsonToStruct(const sdk::Json& json, google::protobuf::Struct& out);

// The JSON form of a Value / Struct. Never fails: protobuf bounds its depth when parsing.
sdk::Json ValueToJson(const google::protobuf::Value& value);
sdk::Json StructToJson(const google::protobuf::Struct& value);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_JSON_PROTO_H_
