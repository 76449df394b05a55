#include "server/http/socket_poller.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace flowhost::http {
namespace {

int NewEpoll() {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) std::abort();  // no descriptor at start-up: nothing sensible to do
  return fd;
}

int NewEventFd() {
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) std::abort();
  return fd;
}

uint32_t EpollEvents(uint32_t interest) {
  uint32_t events = 0;
  if (interest & SocketPoller::kReadable) events |= EPOLLIN;
  if (interest & SocketPoller::kWritable) events |= EPOLLOUT;
  return events;
}

}  // namespace

SocketPoller::SocketPoller() : epoll_fd_(NewEpoll()), wake_fd_(NewEventFd()) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) std::abort();
}

SocketPoller::~SocketPoller() {
  close(wake_fd_);
  close(epoll_fd_);
}

void SocketPoller::Watch(int fd, uint32_t interest, bool watched_already) {
  if (interest == kNone) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);  // ENOENT/EBADF: closed already, fine
    return;
  }
  epoll_event event{};
  event.events = EpollEvents(interest);
  event.data.fd = fd;
  if (watched_already) {
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) == 0 || errno != ENOENT) return;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);  // closed and reused behind our back
    return;
  }
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0 || errno != EEXIST) return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event);
}

void SocketPoller::Wake() {
  uint64_t one = 1;
  // EAGAIN means the counter is saturated, i.e. a wake-up is pending anyway.
  [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof(one));
}

bool SocketPoller::Wait(int timeout_ms, absl::FunctionRef<void(int fd, Ready ready)> on_ready) {
  epoll_event events[kMaxEventsPerWait];
  int count = epoll_wait(epoll_fd_, events, kMaxEventsPerWait, timeout_ms);
  bool woken = false;
  for (int i = 0; i < count; ++i) {
    const int fd = events[i].data.fd;
    const uint32_t got = events[i].events;
    if (fd == wake_fd_) {
      uint64_t counter = 0;
      [[maybe_unused]] ssize_t read_bytes = read(wake_fd_, &counter, sizeof(counter));
      woken = true;
      continue;
    }
    Ready ready;
    // A hang-up is reported as readable too, so that the reader sees the end of the stream.
    ready.readable = (got & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) != 0;
    ready.writable = (got & EPOLLOUT) != 0;
    ready.error = (got & EPOLLERR) != 0;
    on_ready(fd, ready);
  }
  return woken;
}

}  // namespace flowhost::http
