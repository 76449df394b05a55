// Checks a port name that a node derives from its parameters (switch outputs). Such names appear in
// wiring (`next: {urgent: ...}`, `node:port`), so they must be unambiguous there.
//
// Thread-safety: pure function.
#ifndef FLOWHOST_NODES_CORE_PORT_NAMES_H_
#define FLOWHOST_NODES_CORE_PORT_NAMES_H_

#include <string>
#include <string_view>

namespace flowhost::nodes::core {

// Empty when `name` is a usable port name, else what is wrong with it: empty, all digits (it would
// read as a port index), containing ':' or whitespace (it would break `node:port`), or "error"
// (reserved for the output that `on_error: error_output` adds).
std::string PortNameProblem(std::string_view name);

}  // namespace flowhost::nodes::core

#endif  // FLOWHOST_NODES_CORE_PORT_NAMES_H_
