// `test.credential`: a node type that reads host credentials, for the tests of credentials by
// name. Parameters:
//
//   credential  (x-credential) the credential this node's configuration names; may be omitted.
//   other       (x-credential) a second one, so a node may name two.
//   ask         the credential it asks for; default: `credential`. Naming one the parameters
//               above do not name shows the executor's refusal.
//   leak        when true, the node fails with an error message holding the secret (a buggy
//               node), to show the scrubber removes it from what leaves the process.
//
// On success it outputs one item {"credential": NAME, "secret_length": N}: never the secret.
//
// Thread-safety: stateless; safe from any thread.
#ifndef FLOWHOST_TESTS_EXECUTOR_CREDENTIAL_NODES_H_
#define FLOWHOST_TESTS_EXECUTOR_CREDENTIAL_NODES_H_

#include "absl/status/status.h"
#include "flowhost/sdk/registry.h"

namespace flowhost::executor::testing {

absl::Status RegisterCredentialNodes(sdk::NodeRegistry& registry);

}  // namespace flowhost::executor::testing

#endif  // FLOWHOST_TESTS_EXECUTOR_CREDENTIAL_NODES_H_
