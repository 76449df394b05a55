// Names the calling thread as `top -H`, `perf` and /proc/<pid>/task/*/comm show it, so that an
// operator (or a benchmark counting context switches per thread) can tell flowhost's own threads
// from gRPC's. Every thread the host starts names itself first thing.
#ifndef FLOWHOST_SERVER_COMMON_THREAD_NAME_H_
#define FLOWHOST_SERVER_COMMON_THREAD_NAME_H_

#include <string_view>

namespace flowhost {

// Sets the calling thread's name; Linux keeps the first 15 bytes. Best effort: never fails.
void NameCurrentThread(std::string_view name);

}  // namespace flowhost

#endif  // FLOWHOST_SERVER_COMMON_THREAD_NAME_H_
