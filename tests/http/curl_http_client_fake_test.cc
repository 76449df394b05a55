// The pooled client against the project's fake OpenRouter (a separate process): connection reuse
// and cancellation proven by the upstream's own counters, concurrency on the one I/O thread, and
// the OpenRouter failure modes the nodes will meet (streams, mid-stream errors, resets, hangs, huge
// bodies).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/sse_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/thread_pool_scheduler.h"
#include "server/http/curl_http_client.h"
#include "tests/fake_openrouter/fake_process.h"
#include "tests/http/http_test_support.h"

namespace flowhost::http {
namespace {

using ::flowhost::fake_openrouter::FakeProcess;
using ::flowhost::http::testing::Completions;
using ::flowhost::http::testing::ProcessThreadCount;
using ::testing::HasSubstr;

class CurlHttpClientFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<FakeProcess>> fake = FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = std::move(*fake);
    ASSERT_TRUE(fake_->ResetStats().ok());
  }

  void MakeClient(CurlHttpClientOptions options = {}) {
    client_ = std::make_unique<CurlHttpClient>(pool_, std::move(options));
  }

  sdk::HttpRequest Chat(const std::string& model, bool stream = false) {
    sdk::HttpRequest request;
    request.method = "POST";
    request.url = fake_->base_url() + "/chat/completions";
    request.headers = {{"Authorization", "Bearer " + fake_->api_key()},
                       {"Content-Type", "application/json"}};
    sdk::Json body = {{"model", model},
                      {"messages", {{{"role", "user"}, {"content", "ping"}}}},
                      {"stream", stream}};
    request.body = body.dump();
    return request;
  }

  absl::StatusOr<sdk::HttpResponse> Fetch(sdk::HttpRequest request) {
    Completions one;
    client_->Send(std::move(request), one.Add());
    EXPECT_TRUE(one.WaitForAll());
    return one.result(0);
  }

  sdk::Json WaitForStats(const std::function<bool(const sdk::Json&)>& done) {
    absl::StatusOr<sdk::Json> stats = fake_->WaitForStats(done);
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : sdk::Json();
  }

  Completions completions_;
  common::ThreadPoolScheduler pool_{2};
  std::unique_ptr<FakeProcess> fake_;
  std::unique_ptr<CurlHttpClient> client_;
};

TEST_F(CurlHttpClientFakeTest, FiveHundredSequentialChatsOpenAtMostAHandfulOfConnections) {
  MakeClient();
  for (int i = 0; i < 500; ++i) {
    absl::StatusOr<sdk::HttpResponse> response = Fetch(Chat("fake/ok"));
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_EQ(response->status, 200) << response->body;
  }
  HttpClientStats stats = client_->stats();
  EXPECT_EQ(stats.requests_completed, 500u);
  EXPECT_LE(stats.connections_opened, 3u);
  EXPECT_GE(stats.connections_reused, 497u);
  absl::StatusOr<sdk::Json> fake_stats = fake_->Stats();
  ASSERT_TRUE(fake_stats.ok()) << fake_stats.status();
  EXPECT_EQ((*fake_stats)["chat_requests"], 500);
  EXPECT_LE((*fake_stats)["connections_accepted"].get<int>(), 3);
}

// A thousand chats the fake delays by one second each. The fake's own high-water mark proves they
// were in flight together; the elapsed time is printed, not asserted.
TEST_F(CurlHttpClientFakeTest, AThousandOneSecondChatsRunConcurrentlyOnTheOneIoThread) {
  CurlHttpClientOptions options;
  options.max_total_connections = 2000;
  options.max_host_connections = 2000;
  options.max_in_flight = 2000;
  MakeClient(options);
  const int threads_before = ProcessThreadCount();
  const absl::Time start = absl::Now();
  for (int i = 0; i < 1000; ++i) client_->Send(Chat("fake/slow"), completions_.Add());
  ASSERT_TRUE(completions_.WaitForAll());
  const absl::Duration elapsed = absl::Now() - start;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(completions_.result(i).ok()) << i << ": " << completions_.result(i).status();
    ASSERT_EQ(completions_.result(i)->status, 200);
  }
  EXPECT_EQ(ProcessThreadCount(), threads_before) << "the client grew threads with load";
  absl::StatusOr<sdk::Json> stats = fake_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  // Serially there would be one at a time. Nearly all overlap even on a loaded machine under the
  // sanitizers (dispatching 1000 there can take longer than the 1 s delay, so not exactly 1000).
  EXPECT_GE((*stats)["max_in_flight"].get<int>(), 500) << stats->dump();
  std::printf("1000 chats to fake/slow (1 s each): all done in %s; fake max_in_flight %d\n",
              absl::FormatDuration(elapsed).c_str(), (*stats)["max_in_flight"].get<int>());
}

TEST_F(CurlHttpClientFakeTest, ACancelledChatIsSeenAbortedByTheFakeAndFreesItsSlot) {
  CurlHttpClientOptions options;
  options.max_in_flight = 1;
  MakeClient(options);
  sdk::HttpCallPtr hanging = client_->Send(Chat("fake/hang"), completions_.Add());
  client_->Send(Chat("fake/ok"), completions_.Add());
  WaitForStats([](const sdk::Json& s) { return s.value("in_flight", 0) == 1; });
  EXPECT_EQ(fake_->Stats()->value("chat_requests", 0), 1) << "the second chat waits for the slot";

  hanging->Cancel();
  ASSERT_TRUE(completions_.WaitForAll());
  ASSERT_FALSE(completions_.result(0).ok());
  EXPECT_EQ(completions_.result(0).status().code(), absl::StatusCode::kCancelled);
  ASSERT_TRUE(completions_.result(1).ok()) << completions_.result(1).status();
  EXPECT_EQ(completions_.result(1)->status, 200);
  sdk::Json stats = WaitForStats([](const sdk::Json& s) {
    return s.value("requests_aborted", 0) == 1 && s.value("in_flight", -1) == 0;
  });
  EXPECT_EQ(stats["chat_requests"], 2);
}

TEST_F(CurlHttpClientFakeTest, AStreamedChatArrivesAsSseChunksEndingInDone) {
  MakeClient();
  std::vector<std::string> events;
  std::string content;
  sdk::SseParser parser([&](const sdk::SseEvent& event) {
    events.push_back(event.data);
    sdk::Json chunk = sdk::Json::parse(event.data, nullptr, /*allow_exceptions=*/false);
    if (!chunk.is_object() || !chunk.contains("choices")) return;
    for (const auto& choice : chunk["choices"]) {
      if (choice.contains("delta") && choice["delta"].contains("content")) {
        content += choice["delta"]["content"].get<std::string>();
      }
    }
  });
  sdk::HttpRequest request = Chat("fake/drip", /*stream=*/true);
  request.idle_timeout = absl::Seconds(5);
  request.on_body_chunk = [&parser](const sdk::HttpResponseHead& head, std::string_view chunk) {
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(parser.Feed(chunk).ok());
  };
  absl::StatusOr<sdk::HttpResponse> response = Fetch(std::move(request));
  ASSERT_TRUE(response.ok()) << response.status();
  parser.Finish();
  EXPECT_EQ(response->status, 200);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "[DONE]");
  EXPECT_EQ(content, "Fake answer to: ping");
}

TEST_F(CurlHttpClientFakeTest, AMidStreamErrorEventReachesTheCallerAsData) {
  MakeClient();
  std::string last_before_done;
  sdk::SseParser parser([&](const sdk::SseEvent& event) {
    if (event.data != "[DONE]") last_before_done = event.data;
  });
  sdk::HttpRequest request = Chat("fake/stream-error", /*stream=*/true);
  request.on_body_chunk = [&parser](const sdk::HttpResponseHead&, std::string_view chunk) {
    EXPECT_TRUE(parser.Feed(chunk).ok());
  };
  absl::StatusOr<sdk::HttpResponse> response = Fetch(std::move(request));
  ASSERT_TRUE(response.ok()) << response.status();
  parser.Finish();
  sdk::Json error_event = sdk::Json::parse(last_before_done, nullptr, false);
  ASSERT_TRUE(error_event.is_object()) << last_before_done;
  EXPECT_TRUE(error_event.contains("error")) << last_before_done;
  EXPECT_EQ(error_event["choices"][0]["finish_reason"], "error");
}

TEST_F(CurlHttpClientFakeTest, UpstreamFailuresMapToClassifiedErrors) {
  MakeClient();
  absl::StatusOr<sdk::HttpResponse> reset = Fetch(Chat("fake/reset"));
  ASSERT_FALSE(reset.ok());
  EXPECT_EQ(sdk::ErrorClassOf(reset.status()), sdk::error_class::kNetwork) << reset.status();

  sdk::HttpRequest oversized = Chat("fake/oversized");
  oversized.max_response_bytes = 1 << 20;
  absl::StatusOr<sdk::HttpResponse> too_large = Fetch(std::move(oversized));
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(sdk::ErrorClassOf(too_large.status()), sdk::error_class::kResponseTooLarge);

  sdk::HttpRequest silent = Chat("fake/hang-headers", /*stream=*/true);
  silent.idle_timeout = absl::Milliseconds(300);
  silent.on_body_chunk = [](const sdk::HttpResponseHead&, std::string_view) {};
  absl::StatusOr<sdk::HttpResponse> idle = Fetch(std::move(silent));
  ASSERT_FALSE(idle.ok());
  EXPECT_EQ(sdk::ErrorClassOf(idle.status()), sdk::error_class::kTimeout);
  EXPECT_THAT(std::string(idle.status().message()), HasSubstr("idle timeout"));

  absl::StatusOr<sdk::HttpResponse> rate_limited = Fetch(Chat("fake/fail429"));
  ASSERT_TRUE(rate_limited.ok()) << "an HTTP error status is a response";
  EXPECT_EQ(rate_limited->status, 429);
  EXPECT_TRUE(rate_limited->Header("retry-after").has_value());
}

}  // namespace
}  // namespace flowhost::http
