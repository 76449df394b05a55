// A race in our own code that ThreadSanitizer must still report with tests/tsan/suppressions.txt
// in force: the check that the suppressions for Debian's uninstrumented gRPC (called_from_lib,
// and the gRPC functions named there) hide gRPC's internal hand-offs only, not a reactor's misuse.
//
// PlantedRaceService::ListNodeTypes writes the response message from the handler and, unordered,
// from a thread of its own while it calls Finish, which serialises that message: the message lives
// in the call's arena (memory gRPC allocated), and the handler runs inside grpcpp's inline code
// called from gRPC's threads, the places those suppressions are about. planted_race_check.sh runs this binary and expects the report, naming PlantedRace.
// Built in the tsan preset only; it is not a test of the suite's code.
#include <thread>

#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace {

class PlantedRaceService final : public flowhost::v1::WorkflowService::CallbackService {
 public:
  grpc::ServerUnaryReactor* ListNodeTypes(grpc::CallbackServerContext* context,
                                          const flowhost::v1::ListNodeTypesRequest*,
                                          flowhost::v1::ListNodeTypesResponse* response) override {
    std::thread writer([response] { PlantedRaceWrite(response); });
    PlantedRaceWrite(response);  // unordered with `writer`'s writes: the planted race
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);  // serialises `response` while `writer` may write it
    writer.join();
    return reactor;
  }

 private:
  // Not inlined, so that the report names it.
  [[gnu::noinline]] static void PlantedRaceWrite(flowhost::v1::ListNodeTypesResponse* response) {
    for (int i = 0; i < 1000; ++i) response->set_total_size(i);
  }
};

}  // namespace

int main() {
  PlantedRaceService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return 2;
  auto stub = flowhost::v1::WorkflowService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  for (int call = 0; call < 20; ++call) {
    grpc::ClientContext context;
    flowhost::v1::ListNodeTypesResponse response;
    if (!stub->ListNodeTypes(&context, {}, &response).ok()) return 3;
  }
  server->Shutdown();
  return 0;
}
