#include "server/service/bind_failure.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flowhost::service {
namespace {

std::string Reason(int error) {
  switch (error) {
    case EADDRINUSE:
      return "address already in use (is another flowhost serve running on it?)";
    case EADDRNOTAVAIL:
      return "not an address of this machine";
    case EACCES:
      return "permission denied (ports below 1024 need privileges)";
    default:
      return std::strerror(error);
  }
}

}  // namespace

std::string DescribeBindFailure(std::string_view listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return "expected HOST:PORT";
  std::string host(listen.substr(0, colon));
  std::string port(listen.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* addresses = nullptr;
  int resolved =
      getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &addresses);
  if (resolved != 0) {
    return "cannot resolve '" + host + "': " + gai_strerror(resolved);
  }
  std::string reason;
  for (addrinfo* address = addresses; address != nullptr && reason.empty();
       address = address->ai_next) {
    int fd = socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
    if (fd < 0) continue;
    if (bind(fd, address->ai_addr, address->ai_addrlen) != 0) reason = Reason(errno);
    close(fd);
  }
  freeaddrinfo(addresses);
  if (reason.empty()) reason = "gRPC could not bind it (its log line says more)";
  return reason;
}

}  // namespace flowhost::service
