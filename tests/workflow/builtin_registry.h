// The registry of every built-in node type, built once per test binary, for loader tests that
// check workflows against the real node types.
#ifndef FLOWHOST_TESTS_WORKFLOW_BUILTIN_REGISTRY_H_
#define FLOWHOST_TESTS_WORKFLOW_BUILTIN_REGISTRY_H_

#include "gtest/gtest.h"
#include "server/registry/builtin_nodes.h"
#include "server/registry/node_type_registry.h"

namespace flowhost::workflow_testing {

inline const registry::NodeTypeRegistry& BuiltinRegistry() {
  static const auto* registry = [] {
    auto* r = new registry::NodeTypeRegistry();
    EXPECT_TRUE(registry::RegisterBuiltinNodes(*r).ok());
    return r;
  }();
  return *registry;
}

}  // namespace flowhost::workflow_testing

#endif  // FLOWHOST_TESTS_WORKFLOW_BUILTIN_REGISTRY_H_
