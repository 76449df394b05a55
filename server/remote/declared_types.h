// The remote node types a host declares (`remote.types`): each read from its schema file at
// start-up and registered as a RemoteNodeType, so workflows naming it validate at load before any
// worker connects.
//
// Thread-safety: for start-up, from one thread.
#ifndef FLOWHOST_SERVER_REMOTE_DECLARED_TYPES_H_
#define FLOWHOST_SERVER_REMOTE_DECLARED_TYPES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/registry/node_type_registry.h"
#include "server/remote/remote_config.h"
#include "server/remote/worker_hub.h"

namespace flowhost::remote {

// Reads `schema_file` (the type's parameter schema as a JSON object) and builds the declaration.
// NOT_FOUND for a missing file, INVALID_ARGUMENT naming the file for a schema that does not parse
// or is not valid. `outputs` empty means one output, "main".
absl::StatusOr<DeclaredRemoteType> LoadDeclaredRemoteType(std::string name,
                                                          std::string schema_file,
                                                          std::string description,
                                                          std::vector<std::string> outputs);

// Registers every type `hub` declares into `registry` (origin "remote worker"). The registry's
// error (ALREADY_EXISTS naming both) when a declared name is taken.
absl::Status RegisterRemoteNodeTypes(const std::shared_ptr<WorkerHub>& hub,
                                     registry::NodeTypeRegistry& registry);

// Names what already holds `type` in `registry`, for a worker's Hello ("the built-in node type
// 'noop'"); nullopt when nothing does or a remote type does.
std::optional<std::string> DescribeTypeHolder(const registry::NodeTypeRegistry& registry,
                                              std::string_view type);

}  // namespace flowhost::remote

#endif  // FLOWHOST_SERVER_REMOTE_DECLARED_TYPES_H_
