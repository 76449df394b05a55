#include "tests/http/http_test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace flowhost::http::testing {

sdk::HttpDone Completions::Add() {
  absl::MutexLock lock(&mu_);
  entries_.emplace_back();
  Entry* entry = &entries_.back();  // deque: stable while others are appended
  return [this, entry](absl::StatusOr<sdk::HttpResponse> result) {
    absl::MutexLock lock(&mu_);
    entry->result = std::move(result);
    entry->thread = std::this_thread::get_id();
    ++done_;
  };
}

bool Completions::WaitForAll(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(
                                  +[](Completions* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                    return self->done_ == static_cast<int>(self->entries_.size());
                                  },
                                  this),
                              timeout);
}

bool Completions::WaitForCount(int n, absl::Duration timeout) {
  struct Context {
    Completions* self;
    int n;
  } context{this, n};
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(
      absl::Condition(
          +[](Context* c) ABSL_NO_THREAD_SAFETY_ANALYSIS { return c->self->done_ >= c->n; },
          &context),
      timeout);
}

int Completions::done() const {
  absl::MutexLock lock(&mu_);
  return done_;
}

const Completions::Entry& Completions::at(int i) const {
  absl::MutexLock lock(&mu_);
  return entries_.at(i);
}

int ProcessThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

int BoundSocket(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(0);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

BlackholeListener::BlackholeListener() {
  listen_fd_ = BoundSocket(&port_);
  listen(listen_fd_, 0);  // an accept queue of one, never accepted from
  // Fill the queue: the first connect completes into it; the second (and every later one) stays in
  // SYN-SENT because the kernel drops SYNs while the queue is full.
  sockaddr_in addr = Loopback(port_);
  for (int& fd : filler_fds_) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }
}

BlackholeListener::~BlackholeListener() {
  for (int fd : filler_fds_) close(fd);
  close(listen_fd_);
}

int UnusedPort() {
  int port = 0;
  int fd = BoundSocket(&port);
  close(fd);  // bound, never listened on, now closed: connects are refused
  return port;
}

}  // namespace flowhost::http::testing
