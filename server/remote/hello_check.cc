#include "server/remote/hello_check.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/json_schema.h"
#include "flowhost/sdk/json_text.h"

namespace flowhost::remote {
namespace {

namespace pb = plugin::v1;

// Compares in time independent of where the strings differ.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char differ = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) differ |= a[i] ^ (i < b.size() ? b[i] : 0);
  return differ == 0;
}

bool IsTypeName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_')) return false;
  }
  return name.front() >= 'a' && name.front() <= 'z';
}

}  // namespace

absl::Status CheckWorkerHello(
    const pb::Hello& hello, std::string_view host_token,
    const std::map<std::string, const DeclaredRemoteType*, std::less<>>& declared,
    const std::function<std::optional<std::string>(std::string_view)>& clash,
    pb::RefusedReason& reason) {
  if (hello.protocol_version() != pb::PROTOCOL_VERSION_1) {
    reason = pb::REFUSED_REASON_PROTOCOL_VERSION;
    return absl::FailedPreconditionError(absl::StrCat(
        "worker protocol version ", hello.protocol_version(),
        " is not supported: this host speaks version ", pb::PROTOCOL_VERSION_1,
        " (flowhost.plugin.v1); use a worker SDK built for it"));
  }
  if (!host_token.empty() && !SameSecret(hello.token(), host_token)) {
    reason = pb::REFUSED_REASON_TOKEN;
    return absl::UnauthenticatedError(
        hello.token().empty()
            ? "the worker sent no token, and this host requires one (remote.token_env)"
            : "the worker's token does not match the host's (remote.token_env)");
  }
  reason = pb::REFUSED_REASON_MALFORMED_HELLO;
  if (hello.worker_id().empty()) {
    return absl::InvalidArgumentError("the Hello has no worker_id; name the worker process");
  }
  if (hello.node_types().empty()) {
    return absl::InvalidArgumentError("the Hello offers no node types");
  }
  std::set<std::string_view> seen;
  for (const pb::NodeTypeSpec& type : hello.node_types()) {
    const std::string& name = type.name();
    if (!IsTypeName(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "node type name '", name,
          "' is not valid: lower-case letters, digits, '.' and '_', starting with a letter"));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat("node type '", name, "' is offered twice"));
    }
    absl::StatusOr<sdk::Json> schema = sdk::ParseJsonText(type.parameter_schema_json());
    absl::Status schema_ok = schema.ok() ? sdk::CheckSchema(*schema) : schema.status();
    if (!schema_ok.ok()) {
      reason = pb::REFUSED_REASON_MALFORMED_SCHEMA;
      return absl::InvalidArgumentError(absl::StrCat("node type '", name,
                                                     "' has a malformed parameter schema: ",
                                                     schema_ok.message()));
    }
    auto declared_it = declared.find(name);
    if (declared_it == declared.end()) {
      if (std::optional<std::string> holder = clash ? clash(name) : std::nullopt) {
        reason = pb::REFUSED_REASON_TYPE_CLASH;
        return absl::AlreadyExistsError(absl::StrCat(
            "node type '", name, "' clashes with ", *holder, "; rename the worker's type"));
      }
      reason = pb::REFUSED_REASON_UNDECLARED_TYPE;
      return absl::NotFoundError(absl::StrCat(
          "node type '", name,
          "' is not declared in the host's remote.types; declare it with its schema file so "
          "workflows can use it"));
    }
    if (*schema != declared_it->second->info.parameter_schema) {
      reason = pb::REFUSED_REASON_UNDECLARED_TYPE;
      return absl::NotFoundError(absl::StrCat(
          "node type '", name, "' has a parameter schema that differs from the one declared in ",
          declared_it->second->schema_file.empty() ? "remote.types"
                                                   : declared_it->second->schema_file,
          "; workflows were validated against the declared one"));
    }
  }
  reason = pb::REFUSED_REASON_UNSPECIFIED;
  return absl::OkStatus();
}

}  // namespace flowhost::remote
