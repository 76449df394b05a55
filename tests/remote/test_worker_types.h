// The node types the test worker (test_worker.cc) serves, with the parameter schemas both it and
// the tests' host declarations use, so a Hello's schema equals the declared one.
#ifndef FLOWHOST_TESTS_REMOTE_TEST_WORKER_TYPES_H_
#define FLOWHOST_TESTS_REMOTE_TEST_WORKER_TYPES_H_

#include <string_view>

namespace flowhost::remote_testing {

struct TestWorkerType {
  std::string_view name;
  std::string_view schema_json;
};

// test.noop: its input items, unchanged.
// test.echo: each input item with "worker" (the worker's id) and "tag" (its parameter) added;
//   streams "echo <i>" per item when a caller listens. Under --hold it never answers.
// test.fail: fails with `error_class`, gRPC `code` (and `retry_after_ms`) while the attempt is at
//   most `fail_attempts`, then succeeds like test.noop.
// test.slow: its input items with "worker" added, after `delay_ms`; on a Cancel it logs "cancel
// observed" and
//   answers with class "cancelled"; at the assignment's deadline it answers class "timeout".
inline constexpr TestWorkerType kTestWorkerTypes[] = {
    {"test.noop", R"({"type":"object","properties":{}})"},
    {"test.echo", R"({"type":"object","properties":{"tag":{"type":"string","default":""}}})"},
    {"test.fail",
     R"({"type":"object","properties":{"error_class":{"type":"string"},"code":{"type":"integer","default":14},"retry_after_ms":{"type":"integer","default":0},"fail_attempts":{"type":"integer","default":1000}},"required":["error_class"]})"},
    {"test.slow",
     R"({"type":"object","properties":{"delay_ms":{"type":"integer","default":60000}}})"},
};

}  // namespace flowhost::remote_testing

#endif  // FLOWHOST_TESTS_REMOTE_TEST_WORKER_TYPES_H_
