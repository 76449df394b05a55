// The I/O thread's wait primitive: one epoll instance watching the sockets libcurl asks for (its
// CURLMOPT_SOCKETFUNCTION), plus an eventfd that any thread can use to wake the wait.
//
// Why not curl_multi_poll: that rebuilds a poll() array over every socket of every transfer on
// each call, so with 10,000 transfers in flight each loop iteration costs O(10,000) in libcurl and
// in the kernel. With epoll and curl_multi_socket_action, an iteration costs what became ready.
//
// Ownership: owns the epoll and eventfd descriptors; never the sockets it watches.
// Thread-safety: Wake() may be called from any thread at any time until destruction; everything
// else belongs to the thread that waits.
#ifndef FLOWHOST_SERVER_HTTP_SOCKET_POLLER_H_
#define FLOWHOST_SERVER_HTTP_SOCKET_POLLER_H_

#include <cstdint>

#include "absl/functional/function_ref.h"

namespace flowhost::http {

class SocketPoller {
 public:
  // What a socket is watched for; kNone stops watching it.
  enum Interest : uint32_t { kNone = 0, kReadable = 1, kWritable = 2 };
  // What became ready.
  struct Ready {
    bool readable = false;
    bool writable = false;
    bool error = false;
  };

  // Aborts when the kernel refuses an epoll instance or an eventfd (descriptor limit at start-up).
  SocketPoller();
  ~SocketPoller();
  SocketPoller(const SocketPoller&) = delete;
  SocketPoller& operator=(const SocketPoller&) = delete;

  // Starts watching `fd` (not watched yet), changes what it is watched for (watched already), or
  // with kNone stops watching it. The caller tracks which descriptors are watched (libcurl does,
  // through curl_multi_assign): each call is then one epoll_ctl. A descriptor closed without being
  // forgotten is already gone from epoll, and a number reused since is not watched; both are
  // handled, not errors.
  void Watch(int fd, uint32_t interest, bool watched_already);

  // Makes the current or next Wait return. Cheap when repeated before that Wait consumes it.
  void Wake();

  // Waits up to `timeout_ms` (0: just look; negative: no limit) and calls `on_ready` for each
  // socket that is ready. Returns true when Wake() was called since the last Wait that returned
  // true.
  bool Wait(int timeout_ms, absl::FunctionRef<void(int fd, Ready ready)> on_ready);

 private:
  static constexpr int kMaxEventsPerWait = 256;

  const int epoll_fd_;
  const int wake_fd_;
};

}  // namespace flowhost::http

#endif  // FLOWHOST_SERVER_HTTP_SOCKET_POLLER_H_
