// gRPC server reflection v1 (grpc.reflection.v1.ServerReflection), beside the v1alpha service that
// Debian's libgrpc++_reflection provides: current grpcurl and client libraries ask for v1 first.
// It answers from the process's generated descriptor pool, as v1alpha does: list_services, and
// the .proto files (with their dependencies) by file name, by symbol and by extension.
//
// On the callback API: one ServerBidiReactor per stream, reading a request, writing its answer,
// reading the next; nothing blocks and no thread is held between messages.
//
// Ownership: the server owns the service; the service owns nothing but the list of service names
// it reports. Thread-safety: gRPC calls the reactors from its threads; the service is immutable
// once registered.
#ifndef FLOWHOST_SERVER_SERVICE_REFLECTION_V1_SERVICE_H_
#define FLOWHOST_SERVER_SERVICE_REFLECTION_V1_SERVICE_H_

#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"

namespace flowhost::service {

class ReflectionV1Service final : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  // `services`: the full names list_services reports (the server's services, this one included).
  explicit ReflectionV1Service(std::vector<std::string> services)
      : services_(std::move(services)) {}

  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

  // The answer to one request (no I/O): what the reactor writes.
  grpc::reflection::v1::ServerReflectionResponse Answer(
      const grpc::reflection::v1::ServerReflectionRequest& request) const;

 private:
  const std::vector<std::string> services_;
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_REFLECTION_V1_SERVICE_H_
