// Unix-domain socket addresses for the worker listener (`remote.listen: unix:/run/flowhost/w.sock`):
// a worker on the same machine (a sidecar container sharing an emptyDir volume) dials a socket file
// instead of a TCP port, skipping the TCP/IP stack. Who may connect is decided by the file's mode
// and its directory's, not by an address, so such a listener needs no token.
//
// Ownership: free functions. Thread-safety: any thread; they touch only the file system.
#ifndef FLOWHOST_SERVER_REMOTE_UNIX_SOCKET_H_
#define FLOWHOST_SERVER_REMOTE_UNIX_SOCKET_H_

#include <optional>
#include <string>

#include "absl/status/status.h"

namespace flowhost::remote {

// The socket file's mode once the listener is up: owner and group may connect (a sidecar that
// shares the pod's fsGroup), others may not.
inline constexpr unsigned kUnixSocketMode = 0660;

// The socket's path when `address` is a gRPC unix address ("unix:/abs/path", "unix:///abs/path",
// "unix:relative/path"), else nullopt (HOST:PORT).
std::optional<std::string> UnixSocketPath(const std::string& address);

// Gets `path` ready to be bound: OK when nothing is there, or when a socket file is there that no
// server answers on (left by a host that died; it is removed). FAILED_PRECONDITION when a live
// server listens on it, or when the path is something other than a socket; INVALID_ARGUMENT when
// it is empty or too long for a socket address. `setting` names the setting, for messages.
absl::Status PrepareUnixSocketPath(const std::string& path, const std::string& setting);

// Sets the bound socket file's mode to kUnixSocketMode.
absl::Status RestrictUnixSocket(const std::string& path);

}  // namespace flowhost::remote

#endif  // FLOWHOST_SERVER_REMOTE_UNIX_SOCKET_H_
