// The pooled client against a loopback test server: requests and responses, streaming, every error
// kind with its message, the limits, cancellation and shutdown.
#include "server/http/curl_http_client.h"

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/sse_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/thread_pool_scheduler.h"
#include "tests/http/http_test_support.h"
#include "tests/http/test_http_server.h"

namespace flowhost::http {
namespace {

using ::flowhost::http::testing::BlackholeListener;
using ::flowhost::http::testing::Completions;
using ::flowhost::http::testing::TestHttpServer;
using ::flowhost::http::testing::TestServerStats;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CurlHttpClientTest : public ::testing::Test {
 protected:
  void MakeClient(CurlHttpClientOptions options = {}) {
    client_ = std::make_unique<CurlHttpClient>(pool_, std::move(options));
  }

  sdk::HttpRequest Request(const std::string& path, const std::string& method = "GET") {
    sdk::HttpRequest request;
    request.method = method;
    request.url = server_.Url(path);
    return request;
  }

  // Sends one request and waits for its completion.
  absl::StatusOr<sdk::HttpResponse> Fetch(sdk::HttpRequest request) {
    Completions one;
    client_->Send(std::move(request), one.Add());
    EXPECT_TRUE(one.WaitForAll());
    return one.result(0);
  }

  bool ServerSees(std::function<bool(const TestServerStats&)> condition) {
    return server_.WaitFor(condition);
  }

  // Polls the client's counters until `condition` holds (true) or 10 s pass (false): requests sent
  // in a burst reach the I/O thread over one or more loop iterations.
  bool ClientSees(std::function<bool(const HttpClientStats&)> condition) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (!condition(client_->stats())) {
      if (absl::Now() > give_up) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }

  // Declared so that the client goes first, then the server, then the pool (which runs the
  // completions still queued), then the collector those completions write to.
  Completions completions_;
  common::ThreadPoolScheduler pool_{2};
  TestHttpServer server_;
  std::unique_ptr<CurlHttpClient> client_;
};

void ExpectError(const absl::StatusOr<sdk::HttpResponse>& result, absl::StatusCode code,
                 std::string_view error_class, std::string_view message_part) {
  ASSERT_FALSE(result.ok()) << "got HTTP " << result->status;
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), error_class) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(std::string(message_part)));
}

TEST_F(CurlHttpClientTest, GetReturnsStatusHeadersAndBody) {
  MakeClient();
  sdk::HttpRequest request = Request("/echo?q=1");
  request.headers = {{"X-Trace", "abc"}, {"Authorization", "Bearer sk-test"}};
  absl::StatusOr<sdk::HttpResponse> response = Fetch(std::move(request));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("content-type"), "application/json");
  sdk::Json echo = sdk::Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(echo.is_object()) << response->body;
  EXPECT_EQ(echo["method"], "GET");
  EXPECT_EQ(echo["path"], "/echo?q=1");
  EXPECT_EQ(echo["headers"]["x-trace"], "abc");
  EXPECT_EQ(echo["headers"]["authorization"], "Bearer sk-test");
  EXPECT_EQ(echo["headers"]["user-agent"], "flowhost/0.1");
  EXPECT_GT(response->total_time, absl::ZeroDuration());
  EXPECT_LE(response->time_to_first_byte, response->total_time);
}

TEST_F(CurlHttpClientTest, PostSendsTheBodyWithoutAnExpectRoundTrip) {
  MakeClient();
  sdk::HttpRequest request = Request("/echo", "POST");
  request.headers = {{"Content-Type", "application/json"}};
  request.body = std::string(2 << 20, 'b');  // large enough that libcurl would add Expect
  absl::StatusOr<sdk::HttpResponse> response = Fetch(std::move(request));
  ASSERT_TRUE(response.ok()) << response.status();
  sdk::Json echo = sdk::Json::parse(response->body, nullptr, false);
  ASSERT_TRUE(echo.is_object());
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["body"].get<std::string>().size(), 2u << 20);
  EXPECT_EQ(echo["headers"]["content-type"], "application/json");
  EXPECT_FALSE(echo["headers"].contains("expect"));
  EXPECT_GE(client_->stats().bytes_sent, 2u << 20);
  EXPECT_LT(client_->stats().bytes_sent, (2u << 20) + 1000) << "the body is counted once";
}

TEST_F(CurlHttpClientTest, BytesSentCountASmallBodyOnce) {
  MakeClient();
  sdk::HttpRequest request = Request("/echo", "POST");
  request.body = std::string(5000, 's');
  ASSERT_TRUE(Fetch(std::move(request)).ok());
  EXPECT_GE(client_->stats().bytes_sent, 5000u);
  EXPECT_LT(client_->stats().bytes_sent, 6000u);
}

TEST_F(CurlHttpClientTest, OtherMethodsAreSentAsGiven) {
  MakeClient();
  sdk::HttpRequest put = Request("/echo", "PUT");
  put.body = "replacement";
  absl::StatusOr<sdk::HttpResponse> response = Fetch(std::move(put));
  ASSERT_TRUE(response.ok()) << response.status();
  sdk::Json echo = sdk::Json::parse(response->body, nullptr, false);
  EXPECT_EQ(echo["method"], "PUT");
  EXPECT_EQ(echo["body"], "replacement");

  response = Fetch(Request("/echo", "DELETE"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(sdk::Json::parse(response->body, nullptr, false)["method"], "DELETE");
}

TEST_F(CurlHttpClientTest, AnHttpErrorStatusIsAResponseNotAnError) {
  MakeClient();
  absl::StatusOr<sdk::HttpResponse> response = Fetch(Request("/status/503"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->Header("Retry-After"), "7");
  EXPECT_EQ(response->body, "status 503");
}

TEST_F(CurlHttpClientTest, CompletionsRunOnThePoolNeverOnTheCallersOrTheIoThread) {
  MakeClient();
  std::thread::id io_thread;
  sdk::HttpRequest request = Request("/stream/2/1");
  request.on_body_chunk = [&io_thread](const sdk::HttpResponseHead&, std::string_view) {
    io_thread = std::this_thread::get_id();
  };
  client_->Send(std::move(request), completions_.Add());
  ASSERT_TRUE(completions_.WaitForAll());
  ASSERT_TRUE(completions_.result(0).ok());
  EXPECT_NE(completions_.at(0).thread, std::this_thread::get_id());
  EXPECT_NE(completions_.at(0).thread, io_thread);
  EXPECT_NE(io_thread, std::thread::id());
}

TEST_F(CurlHttpClientTest, StreamsChunksInOrderWithTheHeadBeforeCompletion) {
  MakeClient();
  absl::Mutex mu;
  std::vector<std::string> events;
  int head_status = 0;
  std::string content_type;
  bool completed_before_last_chunk = false;
  sdk::SseParser parser([&](const sdk::SseEvent& event) { events.push_back(event.data); });
  sdk::HttpRequest request = Request("/stream/5/10");
  request.on_body_chunk = [&](const sdk::HttpResponseHead& head, std::string_view chunk) {
    absl::MutexLock lock(&mu);
    head_status = head.status;
    content_type = std::string(sdk::FindHeader(head.headers, "Content-Type").value_or(""));
    EXPECT_TRUE(parser.Feed(chunk).ok());
    completed_before_last_chunk = completed_before_last_chunk || completions_.done() > 0;
  };
  client_->Send(std::move(request), completions_.Add());
  ASSERT_TRUE(completions_.WaitForAll());
  ASSERT_TRUE(completions_.result(0).ok()) << completions_.result(0).status();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(completions_.result(0)->status, 200);
  EXPECT_EQ(completions_.result(0)->body, "") << "a streamed body is not accumulated";
  EXPECT_EQ(head_status, 200);
  EXPECT_EQ(content_type, "text/event-stream");
  EXPECT_THAT(events, ElementsAre("0", "1", "2", "3", "4"));
  EXPECT_FALSE(completed_before_last_chunk);
}

TEST_F(CurlHttpClientTest, AChunkCallbackThatThrowsFailsItsRequestAndTheIoThreadLivesOn) {
  MakeClient();
  sdk::HttpRequest request = Request("/stream/5/10");
  request.on_body_chunk = [](const sdk::HttpResponseHead&, std::string_view) {
    (void)sdk::Json("not a number").get<int>();  // a real nlohmann type_error, on the I/O thread
  };
  client_->Send(std::move(request), completions_.Add());
  ASSERT_TRUE(completions_.WaitForAll());
  ASSERT_FALSE(completions_.result(0).ok());
  EXPECT_EQ(completions_.result(0).status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(completions_.result(0).status().message()),
              HasSubstr("on_body_chunk callback threw an exception"));
  EXPECT_THAT(std::string(completions_.result(0).status().message()),
              HasSubstr("type must be number, but is string"));
  // The client still works.
  absl::StatusOr<sdk::HttpResponse> after = Fetch(Request("/echo", "GET"));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->status, 200);
}

TEST_F(CurlHttpClientTest, AnErrorStatusIsAccumulatedEvenWhenStreaming) {
  MakeClient();
  int chunks = 0;
  sdk::HttpRequest request = Request("/status/429");
  request.on_body_chunk = [&chunks](const sdk::HttpResponseHead&, std::string_view) { ++chunks; };
  absl::StatusOr<sdk::HttpResponse> response = Fetch(std::move(request));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 429);
  EXPECT_EQ(response->body, "status 429");
  EXPECT_EQ(chunks, 0);
}

TEST_F(CurlHttpClientTest, ConnectTimeoutFiresWithItsOwnMessage) {
  MakeClient();
  BlackholeListener blackhole;
  sdk::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(blackhole.port()) + "/never";
  request.connect_timeout = absl::Milliseconds(200);
  request.total_timeout = absl::Seconds(20);
  ExpectError(Fetch(std::move(request)), absl::StatusCode::kDeadlineExceeded,
              sdk::error_class::kTimeout, "connect timeout");
}

TEST_F(CurlHttpClientTest, TotalTimeoutFiresWithItsOwnMessage) {
  MakeClient();
  sdk::HttpRequest request = Request("/delay/20000");
  request.total_timeout = absl::Milliseconds(300);
  ExpectError(Fetch(std::move(request)), absl::StatusCode::kDeadlineExceeded,
              sdk::error_class::kTimeout, "total timeout");
}

TEST_F(CurlHttpClientTest, TheDeadlineLimitsTheTransferWhenItIsEarlier) {
  MakeClient();
  sdk::HttpRequest request = Request("/delay/20000");
  request.total_timeout = absl::Seconds(20);
  request.deadline = absl::Now() + absl::Milliseconds(300);
  ExpectError(Fetch(std::move(request)), absl::StatusCode::kDeadlineExceeded,
              sdk::error_class::kTimeout, "deadline exceeded");
}

TEST_F(CurlHttpClientTest, IdleTimeoutEndsAStreamThatFallsSilent) {
  MakeClient();
  std::string received;
  sdk::HttpRequest request = Request("/stream-hang/2/10");
  request.idle_timeout = absl::Milliseconds(300);
  request.on_body_chunk = [&received](const sdk::HttpResponseHead&, std::string_view chunk) {
    received.append(chunk);
  };
  ExpectError(Fetch(std::move(request)), absl::StatusCode::kDeadlineExceeded,
              sdk::error_class::kTimeout, "idle timeout");
  EXPECT_EQ(received, "data: 0\n\ndata: 1\n\n");
  EXPECT_TRUE(ServerSees([](const TestServerStats& s) { return s.requests_aborted == 1; }));
}

TEST_F(CurlHttpClientTest, IdleTimeoutSparesASlowStreamThatKeepsSendingBytes) {
  MakeClient();
  sdk::HttpRequest request = Request("/stream/8/50");  // 400 ms in all, a chunk every 50 ms
  request.idle_timeout = absl::Milliseconds(250);
  absl::StatusOr<sdk::HttpResponse> response = Fetch(std::move(request));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
}

TEST_F(CurlHttpClientTest, TheSizeCapFailsALargerBodyWithOrWithoutContentLength) {
  MakeClient();
  for (const char* path : {"/bytes/2000", "/chunked-bytes/200000"}) {
    sdk::HttpRequest request = Request(path);
    request.max_response_bytes = 1000;
    ExpectError(Fetch(std::move(request)), absl::StatusCode::kResourceExhausted,
                sdk::error_class::kResponseTooLarge, "max_response_bytes (1000)");
  }
  sdk::HttpRequest exact = Request("/bytes/1000");
  exact.max_response_bytes = 1000;
  absl::StatusOr<sdk::HttpResponse> response = Fetch(std::move(exact));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body.size(), 1000u);
}

TEST_F(CurlHttpClientTest, RefusedAndResetConnectionsAreNetworkErrors) {
  MakeClient();
  sdk::HttpRequest refused;
  refused.url = "http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/";
  ExpectError(Fetch(std::move(refused)), absl::StatusCode::kUnavailable, sdk::error_class::kNetwork,
              "network error: GET http://127.0.0.1:");
  ExpectError(Fetch(Request("/reset")), absl::StatusCode::kUnavailable, sdk::error_class::kNetwork,
              "/reset");
}

TEST_F(CurlHttpClientTest, ErrorMessagesLeaveOutTheQueryAndUrlCredentials) {
  MakeClient();
  sdk::HttpRequest request;
  request.url = "http://user:hunter2@127.0.0.1:" + std::to_string(testing::UnusedPort()) +
                "/path?key=sk-secret";
  absl::StatusOr<sdk::HttpResponse> result = Fetch(std::move(request));
  ASSERT_FALSE(result.ok());
  std::string message(result.status().message());
  EXPECT_THAT(message, HasSubstr("GET http://127.0.0.1:"));
  EXPECT_THAT(message, HasSubstr("/path"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("hunter2")));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("sk-secret")));
}

TEST_F(CurlHttpClientTest, AMalformedOrNonHttpUrlIsInvalidInput) {
  MakeClient();
  for (const char* url : {"no scheme here", "ftp://127.0.0.1/file"}) {
    sdk::HttpRequest request;
    request.url = url;
    ExpectError(Fetch(std::move(request)), absl::StatusCode::kInvalidArgument,
                sdk::error_class::kInvalidInput, "invalid request");
  }
}

TEST_F(CurlHttpClientTest, AFullQueueFailsSendAtOnceThroughThePool) {
  CurlHttpClientOptions options;
  options.max_in_flight = 1;
  options.max_queued = 1;
  MakeClient(options);
  sdk::HttpCallPtr active = client_->Send(Request("/hang"), completions_.Add());
  sdk::HttpCallPtr queued = client_->Send(Request("/hang"), completions_.Add());
  client_->Send(Request("/echo"), completions_.Add());
  ASSERT_TRUE(completions_.WaitForCount(1));
  ExpectError(completions_.result(2), absl::StatusCode::kResourceExhausted,
              sdk::error_class::kQueueFull, "queue full");
  EXPECT_NE(completions_.at(2).thread, std::this_thread::get_id());
  EXPECT_EQ(client_->stats().requests_rejected, 1u);

  ASSERT_TRUE(ServerSees([](const TestServerStats& s) { return s.requests_pending == 1; }));
  HttpClientStats stats = client_->stats();
  EXPECT_EQ(stats.in_flight, 1u);
  EXPECT_EQ(stats.queued, 1u);
  active->Cancel();
  queued->Cancel();
  ASSERT_TRUE(completions_.WaitForAll());
}

TEST_F(CurlHttpClientTest, ThePerHostConnectionCapHoldsExtraRequestsInsideLibcurl) {
  CurlHttpClientOptions options;
  options.max_host_connections = 2;
  MakeClient(options);
  for (int i = 0; i < 10; ++i) client_->Send(Request("/gate"), completions_.Add());
  ASSERT_TRUE(ServerSees([](const TestServerStats& s) { return s.requests_pending == 2; }));
  // All ten reach the multi handle, where libcurl holds eight for the two connections; the server
  // may see the first two before the I/O thread has taken the last ones from its inbox.
  EXPECT_TRUE(ClientSees([](const HttpClientStats& s) { return s.in_flight == 10; }))
      << "in flight: " << client_->stats().in_flight;
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(server_.stats().requests_pending, 2) << "the cap holds the other eight back";
  server_.OpenGate();
  ASSERT_TRUE(completions_.WaitForAll());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(completions_.result(i).ok());
  EXPECT_EQ(server_.stats().connections_accepted, 2);
  EXPECT_EQ(client_->stats().connections_opened, 2u);
}

TEST_F(CurlHttpClientTest, TheTotalConnectionCapHoldsExtraRequestsInsideLibcurl) {
  CurlHttpClientOptions options;
  options.max_total_connections = 3;
  options.max_host_connections = 0;  // no per-host cap: only the total one applies
  MakeClient(options);
  for (int i = 0; i < 10; ++i) client_->Send(Request("/gate"), completions_.Add());
  ASSERT_TRUE(ServerSees([](const TestServerStats& s) { return s.requests_pending == 3; }));
  server_.OpenGate();
  ASSERT_TRUE(completions_.WaitForAll());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(completions_.result(i).ok());
  EXPECT_EQ(server_.stats().connections_accepted, 3);
}

// The soak's heap corruption: a transfer that libcurl held back for a connection and that was then
// cancelled ends without a connection, and libcurl 7.88 keeps its 4 KiB receive buffer. Reused, its
// handle refused our buffer size and read 16 KiB at a time into that buffer. A handle like it is
// no longer reused: the large bodies after it arrive whole (and ASan sees no overrun).
TEST_F(CurlHttpClientTest, AHandleWhoseTransferNeverGotAConnectionIsNotReusedWithAStaleBuffer) {
  CurlHttpClientOptions options;
  options.max_total_connections = 1;
  options.max_host_connections = 0;
  options.easy_handle_cache = 1;  // the held-back transfer's handle is the one cached
  MakeClient(options);
  sdk::HttpCallPtr holder = client_->Send(Request("/hang"), completions_.Add());
  ASSERT_TRUE(ServerSees([](const TestServerStats& s) { return s.requests_pending == 1; }));
  sdk::HttpCallPtr held_back = client_->Send(Request("/echo"), completions_.Add());
  ASSERT_TRUE(ClientSees([](const HttpClientStats& s) { return s.in_flight == 2; }));
  absl::SleepFor(absl::Milliseconds(50));  // libcurl has tried it and parked it for the connection
  held_back->Cancel();
  ASSERT_TRUE(completions_.WaitForCount(1));
  holder->Cancel();
  ASSERT_TRUE(completions_.WaitForAll());
  EXPECT_EQ(server_.stats().requests, 1) << "the held-back request never reached the server";

  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<sdk::HttpResponse> response = Fetch(Request("/bytes/200000"));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body.size(), 200000u);
  }
}

TEST_F(CurlHttpClientTest, CancelAbortsUpstreamAndFreesTheSlotForAQueuedRequest) {
  CurlHttpClientOptions options;
  options.max_in_flight = 1;
  MakeClient(options);
  sdk::HttpCallPtr hanging = client_->Send(Request("/hang"), completions_.Add());
  client_->Send(Request("/echo"), completions_.Add());
  ASSERT_TRUE(ServerSees([](const TestServerStats& s) { return s.requests_pending == 1; }));
  EXPECT_EQ(server_.stats().requests, 1) << "the second request waits for the slot";

  hanging->Cancel();
  hanging->Cancel();  // twice is harmless
  ASSERT_TRUE(completions_.WaitForAll());
  ExpectError(completions_.result(0), absl::StatusCode::kCancelled, sdk::error_class::kCancelled,
              "cancelled by the caller");
  ASSERT_TRUE(completions_.result(1).ok()) << completions_.result(1).status();
  EXPECT_EQ(completions_.result(1)->status, 200);
  EXPECT_TRUE(ServerSees([](const TestServerStats& s) { return s.requests_aborted == 1; }));
  EXPECT_EQ(client_->stats().requests_cancelled, 1u);
  EXPECT_EQ(client_->stats().requests_completed, 1u);
  hanging->Cancel();  // after completion: does nothing
}

TEST_F(CurlHttpClientTest, CancelOfAQueuedRequestNeverReachesTheServer) {
  CurlHttpClientOptions options;
  options.max_in_flight = 1;
  MakeClient(options);
  sdk::HttpCallPtr hanging = client_->Send(Request("/hang"), completions_.Add());
  sdk::HttpCallPtr queued = client_->Send(Request("/echo"), completions_.Add());
  ASSERT_TRUE(ServerSees([](const TestServerStats& s) { return s.requests_pending == 1; }));
  queued->Cancel();
  ASSERT_TRUE(completions_.WaitForCount(1));
  ExpectError(completions_.result(1), absl::StatusCode::kCancelled, sdk::error_class::kCancelled,
              "cancelled");
  hanging->Cancel();
  ASSERT_TRUE(completions_.WaitForAll());
  EXPECT_EQ(server_.stats().requests, 1);
}

TEST_F(CurlHttpClientTest, DestroyingTheClientCancelsEverythingAndDeliversEveryCompletion) {
  CurlHttpClientOptions options;
  options.max_in_flight = 3;
  MakeClient(options);
  std::vector<sdk::HttpCallPtr> calls;
  for (int i = 0; i < 5; ++i) calls.push_back(client_->Send(Request("/hang"), completions_.Add()));
  ASSERT_TRUE(ServerSees([](const TestServerStats& s) { return s.requests_pending == 3; }));
  client_.reset();
  ASSERT_TRUE(completions_.WaitForAll());
  for (int i = 0; i < 5; ++i) {
    ExpectError(completions_.result(i), absl::StatusCode::kCancelled, sdk::error_class::kCancelled,
                "client shut down");
  }
  EXPECT_TRUE(ServerSees([](const TestServerStats& s) { return s.requests_aborted == 3; }));
  for (auto& call : calls) call->Cancel();  // handles outlive the client safely
}

TEST_F(CurlHttpClientTest, StatsCountRequestsBytesAndLatency) {
  MakeClient();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Fetch(Request("/bytes/100")).ok());
  ASSERT_FALSE(Fetch(Request("/reset")).ok());
  HttpClientStats stats = client_->stats();
  EXPECT_EQ(stats.requests_accepted, 5u);
  EXPECT_EQ(stats.requests_started, 5u);
  EXPECT_EQ(stats.requests_completed, 4u);
  EXPECT_EQ(stats.requests_failed, 1u);
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_GE(stats.bytes_received, 400u);
  EXPECT_GT(stats.bytes_sent, 0u);
  EXPECT_EQ(stats.latency.count, 4u);
  EXPECT_GT(stats.latency.Percentile(0.5), absl::ZeroDuration());
  EXPECT_LE(stats.latency.Percentile(0.5), stats.latency.Percentile(0.99));
  sdk::Json json = stats.ToJson();
  EXPECT_EQ(json["requests_completed"], 4);
  EXPECT_EQ(json["latency_ms"]["count"], 4);
}

}  // namespace
}  // namespace flowhost::http
