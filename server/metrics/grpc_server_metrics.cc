#include "server/metrics/grpc_server_metrics.h"

#include "grpcpp/support/interceptor.h"

namespace flowhost::metrics {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CountingInterceptor final : public grpc::experimental::Interceptor {
 public:
  CountingInterceptor(HostMetrics& metrics, const char* method)
      : metrics_(metrics), method_(method != nullptr ? method : "") {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_.RecordGrpcRequest(method_, methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  HostMetrics& metrics_;
  const char* const method_;  // gRPC's, for the call's lifetime
};

class CountingFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CountingFactory(HostMetrics& metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CountingInterceptor(metrics_, info->method());
  }

 private:
  HostMetrics& metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> GrpcServerMetrics(
    HostMetrics& metrics) {
  return std::make_unique<CountingFactory>(metrics);
}

}  // namespace flowhost::metrics
