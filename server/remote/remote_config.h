// How the host serves remote nodes (docs/plugins.md, "Remote nodes"): where workers dial in, the
// token they must present, the node types a workflow may use before their worker connects, and
// the timings of heartbeats, cancellation and waiting for a worker.
//
// Ownership: a plain value, built once at start-up. Thread-safety: immutable once built.
#ifndef FLOWHOST_SERVER_REMOTE_REMOTE_CONFIG_H_
#define FLOWHOST_SERVER_REMOTE_REMOTE_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "flowhost/sdk/node.h"

namespace flowhost::remote {

// A node type served by remote workers, declared in the host's configuration so that workflows
// using it validate at load, before any worker connects.
struct DeclaredRemoteType {
  sdk::NodeTypeInfo info;   // name, description, parameter schema (from its schema file), ports
  std::string schema_file;  // where the schema came from, for messages
};

struct RemoteConfig {
  // The worker listener's HOST:PORT (port 0 picks one); empty: no listener, no remote nodes.
  std::string listen;
  // The shared secret workers present in their Hello; required when `listen` is not loopback.
  std::string token;
  // Each side sends a heartbeat this often; silence for heartbeat_timeout loses a session.
  absl::Duration heartbeat_interval = absl::Milliseconds(500);
  absl::Duration heartbeat_timeout = absl::Milliseconds(1500);
  // How long a worker has to answer a Cancel before the item counts as lost.
  absl::Duration cancel_grace = absl::Seconds(1);
  // How long an execution waits for a worker of a declared type to connect before failing
  // UNAVAILABLE naming the type.
  absl::Duration worker_wait = absl::Seconds(5);
  // Items waiting for a worker's credit, per node type; beyond it RESOURCE_EXHAUSTED.
  int64_t max_queued_per_type = 10'000;
  // The declared types.
  std::vector<DeclaredRemoteType> types;

  bool enabled() const { return !listen.empty(); }
};

}  // namespace flowhost::remote

#endif  // FLOWHOST_SERVER_REMOTE_REMOTE_CONFIG_H_
