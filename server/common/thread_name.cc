#include "server/common/thread_name.h"

#include <pthread.h>

#include <string>

namespace flowhost {

void NameCurrentThread(std::string_view name) {
  std::string truncated(name.substr(0, 15));  // the kernel's limit is 16 bytes with the NUL
  pthread_setname_np(pthread_self(), truncated.c_str());
}

}  // namespace flowhost
