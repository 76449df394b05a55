// Keeps a C++ exception that escapes a task (a node's callback, a completion lambda) from killing
// the thread that ran it. flowhost code reports errors as absl::Status and never throws across a
// task; a node, built in or from a plugin, may still throw by mistake (an nlohmann `at()` on a
// missing key, `get<int>()` on a string). Every thread that runs node code contains such an
// exception at its edge instead of letting it reach std::terminate:
//
//   * the worker pool and the manual scheduler run every task through RunContainedTask;
//   * the executor catches around Node::Execute, the loader around NodeType::Create, the HTTP
//     client around a request's on_body_chunk (each with more context than a scheduler has).
//
// A task that threw is destroyed while the fault is visible through CurrentTaskFault(), so state it
// captured can say why it is being dropped: a node's `done` destroyed uncalled then fails its
// attempt with the exception's text, naming the node (server/executor/node_attempt.cc).
//
// Thread-safety: every function works on the calling thread's state only.
#ifndef FLOWHOST_SERVER_COMMON_CONTAINED_TASK_H_
#define FLOWHOST_SERVER_COMMON_CONTAINED_TASK_H_

#include <string>

#include "absl/functional/any_invocable.h"

namespace flowhost::common {

// "TYPE: what()" for the exception being handled: the demangled type of a std::exception and its
// what(), or the demangled type of anything else ("an exception of type int"). Call it only
// inside a catch block.
std::string DescribeCurrentException();

// Runs `task`. If it throws, destroys it (see above) and returns the exception's description;
// otherwise returns an empty string and leaves the task as it is.
std::string RunContainedTask(absl::AnyInvocable<void()>& task);

// While a task that threw is being destroyed on this thread: the exception's description.
// Otherwise nullptr.
const std::string* CurrentTaskFault();

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_CONTAINED_TASK_H_
