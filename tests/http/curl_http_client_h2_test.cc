// The pooled client over TLS and HTTP/2 (nghttpx in front of the fake OpenRouter): concurrent
// requests multiplex on one connection, and cancelling one stream leaves the connection to the
// others.
#include <memory>
#include <string>

#include "flowhost/sdk/json.h"
#include "gtest/gtest.h"
#include "server/common/thread_pool_scheduler.h"
#include "server/http/curl_http_client.h"
#include "tests/fake_openrouter/fake_process.h"
#include "tests/http/http_test_support.h"
#include "tests/http/tls_h2_proxy.h"

namespace flowhost::http {
namespace {

using ::flowhost::fake_openrouter::FakeProcess;
using ::flowhost::http::testing::Completions;
using ::flowhost::http::testing::TlsH2Proxy;

class CurlHttpClientH2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<FakeProcess>> fake = FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = std::move(*fake);
    absl::StatusOr<std::unique_ptr<TlsH2Proxy>> proxy = TlsH2Proxy::Start(fake_->port());
    if (absl::IsFailedPrecondition(proxy.status())) GTEST_SKIP() << proxy.status();
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = std::move(*proxy);
    ASSERT_TRUE(fake_->ResetStats().ok());
    CurlHttpClientOptions options;
    options.ca_file = proxy_->ca_file();
    client_ = std::make_unique<CurlHttpClient>(pool_, options);
  }

  sdk::HttpRequest Chat(const std::string& model) {
    sdk::HttpRequest request;
    request.method = "POST";
    request.url = proxy_->origin() + "/api/v1/chat/completions";
    request.headers = {{"Authorization", "Bearer " + fake_->api_key()},
                       {"Content-Type", "application/json"}};
    request.body =
        sdk::Json{{"model", model}, {"messages", {{{"role", "user"}, {"content", "ping"}}}}}.dump();
    return request;
  }

  Completions completions_;
  common::ThreadPoolScheduler pool_{2};
  std::unique_ptr<FakeProcess> fake_;
  std::unique_ptr<TlsH2Proxy> proxy_;
  std::unique_ptr<CurlHttpClient> client_;
};

TEST_F(CurlHttpClientH2Test, ConcurrentRequestsMultiplexOnOneTlsConnection) {
  for (int i = 0; i < 100; ++i) client_->Send(Chat("fake/slow-300"), completions_.Add());
  ASSERT_TRUE(completions_.WaitForAll());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(completions_.result(i).ok()) << i << ": " << completions_.result(i).status();
    ASSERT_EQ(completions_.result(i)->status, 200) << completions_.result(i)->body;
  }
  HttpClientStats stats = client_->stats();
  EXPECT_EQ(stats.connections_opened, 1u) << "every request shared the one HTTP/2 connection";
  EXPECT_EQ(stats.connections_reused, 99u);
  // ...and they ran at the same time, not one after another on it.
  absl::StatusOr<sdk::Json> fake_stats = fake_->Stats();
  ASSERT_TRUE(fake_stats.ok()) << fake_stats.status();
  EXPECT_GE((*fake_stats)["max_in_flight"].get<int>(), 50) << fake_stats->dump();
}

TEST_F(CurlHttpClientH2Test, CancellingOneStreamLeavesTheConnectionToTheOthers) {
  sdk::HttpCallPtr hanging = client_->Send(Chat("fake/hang"), completions_.Add());
  ASSERT_TRUE(
      fake_->WaitForStats([](const sdk::Json& s) { return s.value("in_flight", 0) == 1; }).ok());
  hanging->Cancel();
  ASSERT_TRUE(completions_.WaitForCount(1));
  EXPECT_EQ(completions_.result(0).status().code(), absl::StatusCode::kCancelled);
  // Whether the upstream sees the abort is nghttpx's business here: it keeps its HTTP/1.1 backend
  // request open after a stream reset. The HTTP/1.1 tests prove the abort reaches the fake.

  client_->Send(Chat("fake/ok"), completions_.Add());
  ASSERT_TRUE(completions_.WaitForAll());
  ASSERT_TRUE(completions_.result(1).ok()) << completions_.result(1).status();
  EXPECT_EQ(completions_.result(1)->status, 200);
  EXPECT_EQ(client_->stats().connections_opened, 1u) << "the connection survived the cancel";
}

}  // namespace
}  // namespace flowhost::http
