// Optional bearer-token authentication of gRPC callers. A call to WorkflowService must carry
// `authorization: Bearer <token>` metadata with one of the configured tokens: without it the call
// fails with UNAUTHENTICATED, with an unknown token with PERMISSION_DENIED. With no token
// configured, every call is let in (the default, on loopback).
//
// Checked at the start of each WorkflowService handler rather than in an AuthMetadataProcessor,
// which gRPC only runs on TLS channels: tokens then work on plain loopback too, and the health and
// reflection services stay open for probes and grpcurl.
//
// Ownership: built at start-up, shared read-only. Thread-safety: Check may be called from any
// thread.
#ifndef FLOWHOST_SERVER_SERVICE_CALLER_AUTH_H_
#define FLOWHOST_SERVER_SERVICE_CALLER_AUTH_H_

#include <vector>

#include "absl/status/status.h"
#include "flowhost/sdk/secret.h"
#include "grpcpp/server_context.h"

namespace flowhost::service {

class CallerAuthenticator {
 public:
  explicit CallerAuthenticator(std::vector<sdk::Secret> tokens) : tokens_(std::move(tokens)) {}

  bool enabled() const { return !tokens_.empty(); }

  // OK, or UNAUTHENTICATED / PERMISSION_DENIED (classified, see status_mapping.h). The token is
  // never part of the message.
  absl::Status Check(const grpc::ServerContextBase& context) const;

 private:
  std::vector<sdk::Secret> tokens_;
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_CALLER_AUTH_H_
