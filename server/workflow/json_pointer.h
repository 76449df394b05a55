// JSON pointers (RFC 6901), the loader's internal address for every value in a workflow document,
// and their rendering as the structural paths diagnostics show (`/nodes/2/params/model` is
// `nodes[2].params.model`).
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_WORKFLOW_JSON_POINTER_H_
#define FLOWHOST_SERVER_WORKFLOW_JSON_POINTER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/json.h"
#include "flowhost/sdk/json_pointer.h"

namespace flowhost::workflow {

// Building pointers is the SDK's (nodes report errors at pointers too).
using sdk::ChildPointer;

// The pointer without its last token ("" for "" and for a one-token pointer).
std::string_view ParentPointer(std::string_view pointer);

// The unescaped tokens of `pointer`.
std::vector<std::string> PointerTokens(std::string_view pointer);

// True when `pointer` is `prefix` or lies inside it.
bool PointerWithin(std::string_view pointer, std::string_view prefix);
// True when `pointer` is within any of `prefixes`.
bool PointerWithinAny(std::string_view pointer, const std::vector<std::string>& prefixes);

// The value at `pointer` inside `root`, or nullptr.
const sdk::Json* ResolvePointer(const sdk::Json& root, std::string_view pointer);

// The path of `pointer` for messages: array indices as [i], identifier-like keys as .key, other
// keys as ["key"]. `root` tells array indices from numeric keys; tokens past the end of the
// document are treated as keys unless their parent is an array.
std::string PointerToPath(const sdk::Json& root, std::string_view pointer);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_JSON_POINTER_H_
