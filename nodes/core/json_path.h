// Dotted paths into items ("user.address.city", "tags.0"), the way core node parameters name
// fields.
//
// A path is split at '.'; every segment must be non-empty. Reading follows objects by key and
// arrays by a numeric segment; writing creates missing objects on the way and refuses to go through
// anything that is not an object (it never silently replaces a value the item already had).
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_NODES_CORE_JSON_PATH_H_
#define FLOWHOST_NODES_CORE_JSON_PATH_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"

namespace flowhost::nodes::core {

using sdk::Json;

// The segments of `path`, or INVALID_ARGUMENT for an empty path or an empty segment ("a..b", ".a").
// With `dotted` false the whole path is one segment (a key that contains dots).
absl::StatusOr<std::vector<std::string>> SplitPath(std::string_view path, bool dotted = true);

// The value at `path` inside `value`, or nullptr when any step is missing.
const Json* FindPath(const Json& value, const std::vector<std::string>& segments);

// Sets the value at `path`, creating objects for missing steps. INVALID_ARGUMENT when a step exists
// and is not an object ("cannot set 'a.b': 'a' is a string").
absl::Status SetPath(Json& value, const std::vector<std::string>& segments, Json field);

// Removes the value at `path` if present.
void ErasePath(Json& value, const std::vector<std::string>& segments);

// Joins segments back with '.', for messages.
std::string PathText(const std::vector<std::string>& segments);

}  // namespace flowhost::nodes::core

#endif  // FLOWHOST_NODES_CORE_JSON_PATH_H_
