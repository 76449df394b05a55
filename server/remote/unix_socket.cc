#include "server/remote/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace flowhost::remote {

std::optional<std::string> UnixSocketPath(const std::string& address) {
  if (!absl::StartsWith(address, "unix:")) return std::nullopt;
  // "unix:///abs" is the URI form of "unix:/abs".
  return address.substr(absl::StartsWith(address, "unix://") ? 7 : 5);
}

absl::Status PrepareUnixSocketPath(const std::string& path, const std::string& setting) {
  sockaddr_un address{};
  if (path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, " 'unix:' names no socket path (unix:/run/flowhost/workers.sock)"));
  }
  if (path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat(
        setting, " socket path '", path, "' is ", path.size(),
        " bytes long; a Unix socket path must be shorter than ", sizeof(address.sun_path)));
  }
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(setting, " socket path '", path, "': ", std::strerror(errno)));
  }
  if (!S_ISSOCK(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        setting, " socket path '", path, "' exists and is not a socket; remove it or pick another"));
  }
  // A socket file: alive when something accepts a connection on it.
  const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) {
    return absl::InternalError(absl::StrCat("socket(AF_UNIX): ", std::strerror(errno)));
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  const bool live = connect(probe, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  const int connect_errno = errno;
  close(probe);
  if (live) {
    return absl::FailedPreconditionError(absl::StrCat(
        setting, " socket path '", path,
        "' is in use: a server is listening on it (another flowhost?); stop it or pick another"));
  }
  if (connect_errno != ECONNREFUSED && connect_errno != ENOENT) {
    return absl::FailedPreconditionError(absl::StrCat(
        setting, " socket path '", path, "' cannot be checked: ", std::strerror(connect_errno)));
  }
  // Nobody listens: a socket file left by a host that did not shut down.
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::FailedPreconditionError(absl::StrCat(
        setting, " stale socket '", path, "' cannot be removed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status RestrictUnixSocket(const std::string& path) {
  if (chmod(path.c_str(), kUnixSocketMode) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot set the mode of socket '", path, "': ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace flowhost::remote
