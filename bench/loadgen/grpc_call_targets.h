// The gRPC call targets: RunWorkflow (unary) and StreamWorkflow (server streaming) on the generated
// flowhost.v1 stubs, through the callback API, spread round robin over several channels (each its
// own HTTP/2 connection). Every call carries the configured deadline.
//
// Ownership and threads: see CallTarget. The request is built once and shared read-only by every
// call (protobuf's const methods, serialisation included, are safe to call concurrently).
#ifndef FLOWHOST_BENCH_LOADGEN_GRPC_CALL_TARGETS_H_
#define FLOWHOST_BENCH_LOADGEN_GRPC_CALL_TARGETS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "bench/loadgen/call_target.h"
#include "bench/loadgen/loadgen_config.h"

namespace flowhost::bench {

absl::StatusOr<std::unique_ptr<CallTarget>> MakeGrpcCallTarget(const LoadgenConfig& config);

}  // namespace flowhost::bench

#endif  // FLOWHOST_BENCH_LOADGEN_GRPC_CALL_TARGETS_H_
