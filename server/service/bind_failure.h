// Why a listening address could not be bound, in words an operator can act on. gRPC's server
// builder only says that it failed (and logs its own line); this tries the bind itself, without
// SO_REUSEPORT, to learn the reason: "address already in use (is another flowhost serve running
// on it?)", "not an address of this machine", "permission denied", or a host that does not
// resolve.
//
// Thread-safety: a pure function (it opens and closes its own sockets).
#ifndef FLOWHOST_SERVER_SERVICE_BIND_FAILURE_H_
#define FLOWHOST_SERVER_SERVICE_BIND_FAILURE_H_

#include <string>
#include <string_view>

namespace flowhost::service {

// The reason `listen` (HOST:PORT, HOST may be a name, an IPv4 address or a bracketed IPv6 one)
// cannot be bound now.
std::string DescribeBindFailure(std::string_view listen);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_BIND_FAILURE_H_
