#include "server/http/host_http_limits.h"

#include "gtest/gtest.h"

namespace flowhost::http {
namespace {

// Records the last request it was given and never completes anything.
class RecordingClient : public sdk::HttpClient {
 public:
  sdk::HttpCallPtr Send(sdk::HttpRequest request, sdk::HttpDone done) override {
    last_connect_timeout = request.connect_timeout;
    last_max_response_bytes = request.max_response_bytes;
    last_url = request.url;
    return nullptr;
  }
  absl::Duration last_connect_timeout;
  size_t last_max_response_bytes = 0;
  std::string last_url;
};

TEST(LimitedHttpClientTest, ANodeCannotLoosenTheHostsBounds) {
  RecordingClient inner;
  LimitedHttpClient client(inner, {absl::Seconds(3), 1000});
  sdk::HttpRequest request;
  request.url = "http://127.0.0.1:1/x";
  request.connect_timeout = absl::Minutes(5);
  request.max_response_bytes = 1 << 30;
  client.Send(std::move(request), [](absl::StatusOr<sdk::HttpResponse>) {});
  EXPECT_EQ(inner.last_connect_timeout, absl::Seconds(3));
  EXPECT_EQ(inner.last_max_response_bytes, 1000u);
  EXPECT_EQ(inner.last_url, "http://127.0.0.1:1/x");
}

TEST(LimitedHttpClientTest, ANodeMayTightenThem) {
  RecordingClient inner;
  LimitedHttpClient client(inner, {absl::Seconds(10), 1 << 20});
  sdk::HttpRequest request;
  request.connect_timeout = absl::Seconds(1);
  request.max_response_bytes = 512;
  client.Send(std::move(request), [](absl::StatusOr<sdk::HttpResponse>) {});
  EXPECT_EQ(inner.last_connect_timeout, absl::Seconds(1));
  EXPECT_EQ(inner.last_max_response_bytes, 512u);
}

}  // namespace
}  // namespace flowhost::http
