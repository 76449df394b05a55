// The data model every node sees: an item is one JSON value (normally an object), and a node receives and
// emits lists of items, one list per input or output port. This follows n8n's item model, minus the
// `{json: ...}` wrapper: an item *is* its JSON.
//
// Json is nlohmann::json (Debian's nlohmann-json3-dev). Values are plain data: copying one copies it.
#ifndef FLOWHOST_SDK_JSON_H_
#define FLOWHOST_SDK_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace flowhost::sdk {

using Json = nlohmann::json;

// One item; by convention a JSON object.
using Item = Json;

// The items on one input or output port, in order.
using Items = std::vector<Json>;

// Returns the JSON type name used in diagnostics and schemas: "null", "boolean", "integer", "number",
// "string", "array" or "object". Integers are reported as "integer" (they are also numbers).
std::string_view JsonTypeName(const Json& value);

// Typed reads of an object's member that never throw (unlike Json::value on a mistyped value): the
// value under `key` when `object` is an object holding it with the expected type, else `fallback`.
// IntField takes any number, drops a fraction and saturates at int64's range (NaN: the fallback).
// For a node's evaluated parameters (already checked against its schema) a fallback is only ever
// used for an absent optional parameter.
std::string StringField(const Json& object, std::string_view key, std::string_view fallback = "");
bool BoolField(const Json& object, std::string_view key, bool fallback = false);
int64_t IntField(const Json& object, std::string_view key, int64_t fallback = 0);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_JSON_H_
