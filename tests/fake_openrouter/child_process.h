// The harness's child processes (the fake, its HTTP/2 front) are the host's own ChildProcess
// (server/common/child_process.h), the one `--offline` uses.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_CHILD_PROCESS_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_CHILD_PROCESS_H_

#include "server/common/child_process.h"

namespace flowhost::fake_openrouter {

using ::flowhost::common::ChildProcess;

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_CHILD_PROCESS_H_
