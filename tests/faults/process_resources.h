// What a test can read of its own process's resources, to check that a piece of work gave back
// everything it took: open file descriptors (/proc/self/fd) and heap bytes in use (glibc's
// mallinfo2, or the sanitizer allocator's own count under AddressSanitizer, whose allocator
// glibc does not see).
//
// Thread-safety: both may be called from any thread; they read a snapshot that other threads may
// change the moment after.
#ifndef FLOWHOST_TESTS_FAULTS_PROCESS_RESOURCES_H_
#define FLOWHOST_TESTS_FAULTS_PROCESS_RESOURCES_H_

#include <cstddef>

namespace flowhost::testing {

// The number of open file descriptors of this process (the directory listing's own excluded).
size_t OpenFileDescriptors();

// Bytes of heap memory allocated and not yet freed.
size_t HeapBytesInUse();

// Whether HeapBytesInUse is exact. glibc counts the chunks parked in its per-thread caches
// (tcache) as in use, which blurs the figure by up to a few hundred KiB, unless the process was
// started with GLIBC_TUNABLES=glibc.malloc.tcache_count=0; the sanitizer allocator's is exact.
bool HeapCountIsExact();

}  // namespace flowhost::testing

#endif  // FLOWHOST_TESTS_FAULTS_PROCESS_RESOURCES_H_
