#include "tests/faults/process_resources.h"

#include <dirent.h>
#include <malloc.h>

#include <cstdlib>
#include <string_view>

#if defined(__SANITIZE_ADDRESS__)
// From the sanitizer runtime's allocator interface. GCC's libasan exports it but GCC ships no
// <sanitizer/allocator_interface.h> (clang does), so it is declared here.
extern "C" size_t __sanitizer_get_current_allocated_bytes(void);
#endif

namespace flowhost::testing {

size_t OpenFileDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  size_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the descriptor of `dir` itself
}

size_t HeapBytesInUse() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;  // in arenas, and in chunks of their own (mmap)
#endif
}

bool HeapCountIsExact() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#else
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr &&
         std::string_view(tunables).find("glibc.malloc.tcache_count=0") != std::string_view::npos;
#endif
}

}  // namespace flowhost::testing
