// Counts every gRPC call the server answers, by method and status code
// (flowhost_grpc_server_requests_total), through a server interceptor: one place for every
// service the server hosts (WorkflowService, health, reflection), however a method is written.
//
// Ownership: the interceptors refer to `metrics`, which must outlive the server.
#ifndef FLOWHOST_SERVER_METRICS_GRPC_SERVER_METRICS_H_
#define FLOWHOST_SERVER_METRICS_GRPC_SERVER_METRICS_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "server/metrics/host_metrics.h"

namespace flowhost::metrics {

// For grpc::ServerBuilder::experimental().SetInterceptorCreators.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> GrpcServerMetrics(
    HostMetrics& metrics);

}  // namespace flowhost::metrics

#endif  // FLOWHOST_SERVER_METRICS_GRPC_SERVER_METRICS_H_
