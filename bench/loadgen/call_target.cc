#include "bench/loadgen/call_target.h"

#include "bench/loadgen/grpc_call_targets.h"
#include "bench/loadgen/http_call_target.h"

namespace flowhost::bench {

absl::StatusOr<std::unique_ptr<CallTarget>> MakeCallTarget(const LoadgenConfig& config) {
  if (config.call == CallKind::kHttp) return MakeHttpCallTarget(config);
  return MakeGrpcCallTarget(config);
}

}  // namespace flowhost::bench
