// The gateway's bookkeeping of the gRPC calls its exchanges make (HttpGateway::CallStarted and
// CallEnded), which Shutdown uses to cancel the calls still running and to wait for them.
#include <memory>

#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/http_api/exchange.h"
#include "server/http_api/http_gateway.h"

namespace flowhost::http_api {
namespace {

// An exchange whose call ends when it is cancelled, counting the cancels.
class CancellableExchange final : public Exchange {
 public:
  explicit CancellableExchange(HttpGateway& gateway) : Exchange(gateway, nullptr) {}
  void Begin() override {}
  void Cancel() override {
    ++cancels;
    gateway_.CallEnded(this);
  }
  int cancels = 0;
};

std::unique_ptr<HttpGateway> StartGateway() {
  GatewayOptions options;
  options.listen = "127.0.0.1:0";
  // Never dialled: no exchange here starts a real call.
  auto gateway = HttpGateway::Start(
      options, grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), nullptr);
  EXPECT_TRUE(gateway.ok()) << gateway.status();
  return gateway.ok() ? std::move(*gateway) : nullptr;
}

// The OpenAI exchanges make their next call (the run after the model's lookup, the next page of
// models) from the step their last call posted to the loop thread; that step can start the next
// call before the last call's callback, on a gRPC thread, has reported its end.
TEST(HttpGatewayCalls, AnExchangesNextCallStartedBeforeItsLastOneEndedIsCancelledAtShutdown) {
  std::unique_ptr<HttpGateway> gateway = StartGateway();
  ASSERT_NE(gateway, nullptr);
  auto exchange = std::make_shared<CancellableExchange>(*gateway);
  gateway->CallStarted(exchange);      // the lookup
  gateway->CallStarted(exchange);      // the run, started by the lookup's posted step
  gateway->CallEnded(exchange.get());  // the lookup's callback, after its post
  gateway->Shutdown(absl::ZeroDuration());
  EXPECT_EQ(exchange->cancels, 1);
}

TEST(HttpGatewayCalls, AnExchangeWhoseCallsHaveAllEndedIsNotCancelled) {
  std::unique_ptr<HttpGateway> gateway = StartGateway();
  ASSERT_NE(gateway, nullptr);
  auto exchange = std::make_shared<CancellableExchange>(*gateway);
  gateway->CallStarted(exchange);
  gateway->CallEnded(exchange.get());
  gateway->CallStarted(exchange);
  gateway->CallEnded(exchange.get());
  gateway->Shutdown(absl::ZeroDuration());
  EXPECT_EQ(exchange->cancels, 0);
}

}  // namespace
}  // namespace flowhost::http_api
