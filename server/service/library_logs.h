// Routes what the libraries under the service log into flowhost's JSON lines, so that one log
// stream holds one format: gRPC's lines (gpr_log, filtered by GRPC_VERBOSITY, ERROR by default)
// and protobuf's (GOOGLE_LOG, such as its complaint about a string field holding invalid UTF-8)
// become {"ts", "level", "msg", "library": "grpc"|"protobuf", "file", "line"} lines of the host's
// logger, scrubbed of secrets like every other line. (Debian's Abseil, 20220623, has no logging
// API of its own; its raw_logging writes only before a fatal error.)
//
// The hooks are process-wide and installed once, on first use; a route decides where lines go
// while it lives. Outside any route (before the server starts, after it stops) the lines are
// still JSON, on stderr.
//
// Ownership: the ServiceHost owns its route. Thread-safety: constructing and destroying routes is
// safe from any thread; the libraries call the hooks from any of their threads.
#ifndef FLOWHOST_SERVER_SERVICE_LIBRARY_LOGS_H_
#define FLOWHOST_SERVER_SERVICE_LIBRARY_LOGS_H_

#include <cstdint>

#include "server/common/json_logger.h"

namespace flowhost::service {

class LibraryLogRoute {
 public:
  // Sends library lines to `logger` (its level and fields apply) until destroyed.
  explicit LibraryLogRoute(const common::JsonLogger& logger);
  ~LibraryLogRoute();

  LibraryLogRoute(const LibraryLogRoute&) = delete;
  LibraryLogRoute& operator=(const LibraryLogRoute&) = delete;

 private:
  uint64_t generation_;  // a later route replaces this one; only the current one resets
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_LIBRARY_LOGS_H_
