// Small node types for the workflow loader's tests, independent of the real node families. Each
// exercises one thing the loader must handle: a parameter schema with defaults and nested objects
// (test.echo), named outputs (test.branch), several inputs (test.merge), outputs that depend on the
// parameters (test.switch), "x-node-ref" and "x-deferred" parameters (test.router), a node without
// inputs (test.source) or outputs (test.sink), and checks of its own in Create (test.strict).
//
// Thread-safety: the registry is filled once and then only read.
#ifndef FLOWHOST_TESTS_WORKFLOW_TEST_NODES_H_
#define FLOWHOST_TESTS_WORKFLOW_TEST_NODES_H_

#include "server/registry/node_type_registry.h"

namespace flowhost::workflow::testing {

// A registry holding every test node type.
const registry::NodeTypeRegistry& TestRegistry();

}  // namespace flowhost::workflow::testing

#endif  // FLOWHOST_TESTS_WORKFLOW_TEST_NODES_H_
