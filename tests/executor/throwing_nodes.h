// `test.throw`: a node type that throws C++ exceptions where a buggy node (built in or a plugin)
// might, for the tests that show faults stay at the boundary (docs/nodes.md, "When a node
// throws"). Parameters:
//
//   in     where it throws: "create" (NodeType::Create), "execute" (Execute, before touching
//          `done`), "after_done" (Execute, after calling `done` with its input), "after_async"
//          (Execute, after handing `done` to a task that completes later), "callback" (a task it
//          posted to the scheduler, holding `done`, throws). Default "execute".
//   what   what it throws: "runtime_error", "json_type_error" (a real nlohmann `get<int>()` on a
//          string), "json_out_of_range" (a real `at()` on a missing key) or "non_std" (an int).
//          Default "runtime_error".
//
// Thread-safety: stateless; safe from any thread.
#ifndef FLOWHOST_TESTS_EXECUTOR_THROWING_NODES_H_
#define FLOWHOST_TESTS_EXECUTOR_THROWING_NODES_H_

#include "absl/status/status.h"
#include "flowhost/sdk/registry.h"

namespace flowhost::executor::testing {

absl::Status RegisterThrowingNodes(sdk::NodeRegistry& registry);

}  // namespace flowhost::executor::testing

#endif  // FLOWHOST_TESTS_EXECUTOR_THROWING_NODES_H_
