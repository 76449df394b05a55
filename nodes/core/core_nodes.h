// The core node family: the general-purpose nodes every workflow uses (set, if, switch, merge,
// filter, split_out, aggregate, wait, fail, noop, execute_workflow). The family is built only
// against the SDK, exactly as a plugin would be; the host registers it through this one function.
//
// Thread-safety: call at start-up, from the thread that fills the registry.
#ifndef FLOWHOST_NODES_CORE_CORE_NODES_H_
#define FLOWHOST_NODES_CORE_CORE_NODES_H_

#include "absl/status/status.h"
#include "flowhost/sdk/registry.h"

namespace flowhost::nodes::core {

// Registers every core node type. Fails on the first type the registry refuses (a duplicate name).
absl::Status RegisterCoreNodes(sdk::NodeRegistry& registry);

}  // namespace flowhost::nodes::core

#endif  // FLOWHOST_NODES_CORE_CORE_NODES_H_
