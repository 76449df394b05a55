// Whether a worker's Hello is acceptable, and if not, why, in words an operator can act on: the
// protocol version, the token, each node type's name and schema, and whether the host lets a
// worker serve that type (declared in `remote.types`, not taken by a built-in or plugin type).
//
// Thread-safety: a pure function.
#ifndef FLOWHOST_SERVER_REMOTE_HELLO_CHECK_H_
#define FLOWHOST_SERVER_REMOTE_HELLO_CHECK_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "flowhost/plugin/v1/worker.pb.h"
#include "server/remote/remote_config.h"

namespace flowhost::remote {

// OK, or the refusal: FAILED_PRECONDITION (version), UNAUTHENTICATED (token), INVALID_ARGUMENT
// (malformed hello or schema), ALREADY_EXISTS (a clash), NOT_FOUND (an undeclared type or a
// schema differing from the declared one); `reason` is set to match. `clash` names what already
// holds a type name (may be null).
absl::Status CheckWorkerHello(
    const plugin::v1::Hello& hello, std::string_view host_token,
    const std::map<std::string, const DeclaredRemoteType*, std::less<>>& declared,
    const std::function<std::optional<std::string>(std::string_view)>& clash,
    plugin::v1::RefusedReason& reason);

}  // namespace flowhost::remote

#endif  // FLOWHOST_SERVER_REMOTE_HELLO_CHECK_H_
