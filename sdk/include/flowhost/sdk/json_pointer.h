// Building JSON pointers (RFC 6901), the addresses parameters are reported at: NodeConfig::Error
// takes one, and schema violations carry one. `ChildPointer("/routes", 2)` is "/routes/2";
// `ChildPointer("", "a/b")` is "/a~1b".
// Thread-safety: pure functions.
#ifndef FLOWHOST_SDK_JSON_POINTER_H_
#define FLOWHOST_SDK_JSON_POINTER_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace flowhost::sdk {

// `parent` + "/" + `key` with '~' and '/' escaped.
std::string ChildPointer(std::string_view parent, std::string_view key);
// `parent` + "/" + the array index.
std::string ChildPointer(std::string_view parent, size_t index);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_JSON_POINTER_H_
