#include "tests/fake_openrouter/server.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tests/fake_openrouter/connection.h"
#include "tests/fake_openrouter/request_handler.h"

namespace flowhost::fake_openrouter {
namespace {

constexpr int kBacklog = 65535;  // the kernel caps it at somaxconn

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

absl::StatusOr<Address> LoopbackAddress(const std::string& host, int port) {
  Address address;
  std::string name = host == "localhost" ? "127.0.0.1" : host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  if (inet_pton(AF_INET, name.c_str(), &v4->sin_addr) == 1) {
    if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127) {
      return absl::InvalidArgumentError(
          absl::StrCat("refusing to listen on non-loopback address ", host));
    }
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    address.length = sizeof(sockaddr_in);
    return address;
  }
  if (inet_pton(AF_INET6, name.c_str(), &v6->sin6_addr) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
      return absl::InvalidArgumentError(
          absl::StrCat("refusing to listen on non-loopback address ", host));
    }
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    address.length = sizeof(sockaddr_in6);
    return address;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--host must be a loopback IP address or localhost, got ", host));
}

// Opens a listening socket; sets `*bound_port` to the port it got.
absl::StatusOr<int> OpenListener(Address address, bool reuse_port, int* bound_port) {
  int fd = socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&address.storage), address.length) != 0 ||
      listen(fd, kBacklog) != 0) {
    int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen: ", std::strerror(error)));
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  *bound_port = bound.ss_family == AF_INET
                    ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                    : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  return fd;
}

void SetPort(Address* address, int port) {
  if (address->storage.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&address->storage)->sin_port =
        htons(static_cast<uint16_t>(port));
  } else {
    reinterpret_cast<sockaddr_in6*>(&address->storage)->sin6_port =
        htons(static_cast<uint16_t>(port));
  }
}

}  // namespace

struct Server::Worker {
  Worker(FakeState* state, uint64_t seed) : handler(state, seed) {}
  ~Worker() {
    // Copy first: Destroy() erases from the set.
    std::vector<Connection*> open(context.live.begin(), context.live.end());
    for (Connection* connection : open) connection->Destroy();
    if (listener != nullptr) evconnlistener_free(listener);
    if (base != nullptr) event_base_free(base);
  }

  static void OnAccept(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void* arg) {
    Connection::Accept(&static_cast<Worker*>(arg)->context, fd);
  }

  static void OnAcceptError(evconnlistener*, void*) {
    // Typically EMFILE: keep serving the connections already open; the kernel queues the rest.
    static bool reported = false;
    if (!reported) {
      reported = true;
      std::fprintf(stderr, "fake_openrouter: accept failed: %s\n", std::strerror(errno));
    }
  }

  RequestHandler handler;
  ConnectionContext context;
  event_base* base = nullptr;
  evconnlistener* listener = nullptr;
};

absl::StatusOr<std::unique_ptr<Server>> Server::Create(const ServerOptions& options,
                                                       FakeState* state) {
  static const bool threads_ready = evthread_use_pthreads() == 0;
  if (!threads_ready) return absl::InternalError("libevent has no pthreads support");
  if (options.threads < 1) return absl::InvalidArgumentError("--threads must be at least 1");
  absl::StatusOr<Address> address = LoopbackAddress(options.host, options.port);
  if (!address.ok()) return address.status();

  std::unique_ptr<Server> server(new Server());
  const bool reuse_port = options.threads > 1;
  for (int i = 0; i < options.threads; ++i) {
    auto worker = std::make_unique<Worker>(state, state->config.seed + static_cast<uint64_t>(i));
    worker->base = event_base_new();
    if (worker->base == nullptr) return absl::InternalError("event_base_new failed");
    int port = 0;
    absl::StatusOr<int> fd = OpenListener(*address, reuse_port, &port);
    if (!fd.ok()) return fd.status();
    if (i == 0) {
      server->port_ = port;
      SetPort(&*address, port);  // the other workers share the port
    }
    worker->listener = evconnlistener_new(worker->base, &Worker::OnAccept, worker.get(),
                                          LEV_OPT_CLOSE_ON_FREE, 0, *fd);
    if (worker->listener == nullptr) {
      close(*fd);
      return absl::InternalError("evconnlistener_new failed");
    }
    evconnlistener_set_error_cb(worker->listener, &Worker::OnAcceptError);
    worker->context.base = worker->base;
    worker->context.handler = &worker->handler;
    worker->context.stats = &state->stats;
    server->workers_.push_back(std::move(worker));
  }
  return server;
}

Server::~Server() = default;

void Server::Run() {
  auto on_signal = [](evutil_socket_t, short, void* arg) { static_cast<Server*>(arg)->Stop(); };
  event_base* main_base = workers_.front()->base;
  event* sigint = evsignal_new(main_base, SIGINT, on_signal, this);
  event* sigterm = evsignal_new(main_base, SIGTERM, on_signal, this);
  event_add(sigint, nullptr);
  event_add(sigterm, nullptr);

  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers_.size(); ++i) {
    threads.emplace_back(
        [base = workers_[i]->base] { event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY); });
  }
  event_base_loop(main_base, EVLOOP_NO_EXIT_ON_EMPTY);
  for (std::thread& thread : threads) thread.join();
  event_free(sigint);
  event_free(sigterm);
}

void Server::Stop() {
  // loopexit (unlike loopbreak) is remembered by a loop that has not started yet.
  for (auto& worker : workers_) event_base_loopexit(worker->base, nullptr);
}

}  // namespace flowhost::fake_openrouter
