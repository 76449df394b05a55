// The fake's statistics tell connection reuse from new connections and see requests the client gave
// up on; one fake holds a thousand slow requests at once; the request log shows what clients sent.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/fake_openrouter/blocking_http.h"
#include "tests/fake_openrouter/fake_process.h"
#include "tests/fake_openrouter/fake_test_support.h"

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::json;

class FakeStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    ASSERT_TRUE(fake_->ResetStats().ok());
  }

  Json Stats() {
    absl::StatusOr<Json> stats = fake_->Stats();
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : Json();
  }

  std::unique_ptr<FakeProcess> fake_;
};

TEST_F(FakeStatsTest, KeepAliveRequestsShareOneConnection) {
  BlockingHttp http;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(http.Send(ChatCall(*fake_, ChatBody("fake/ok", "reuse"))).status, 200);
  }
  Json stats = Stats();
  EXPECT_EQ(stats["requests"], 20);
  EXPECT_EQ(stats["chat_requests"], 20);
  EXPECT_EQ(stats["connections_accepted"], 1);
  EXPECT_EQ(stats["by_model"]["fake/ok"], 20);
  EXPECT_EQ(stats["status_counts"]["200"], 20);
}

// Chat requests are counted by their `user` field when they arrive, whatever their answer: a test
// names each node's call there to count the calls per node (tests/service/replicas_test.cc).
TEST_F(FakeStatsTest, CountsChatRequestsByTheirUserField) {
  BlockingHttp http;
  for (const char* user : {"ex-1/first", "ex-1/first", "ex-1/second"}) {
    Json body = ChatBody("fake/ok", "hi");
    body["user"] = user;
    ASSERT_EQ(http.Send(ChatCall(*fake_, body)).status, 200);
  }
  Json failing = ChatBody("fake/fail500", "hi");
  failing["user"] = "ex-2/first";
  http.Send(ChatCall(*fake_, failing));
  http.Send(ChatCall(*fake_, ChatBody("fake/ok", "no user")));
  Json stats = Stats();
  EXPECT_EQ(stats["by_user"], Json({{"ex-1/first", 2}, {"ex-1/second", 1}, {"ex-2/first", 1}}));
  ASSERT_TRUE(fake_->ResetStats().ok());
  EXPECT_TRUE(Stats()["by_user"].empty());
}

TEST_F(FakeStatsTest, SeparateClientsOpenSeparateConnections) {
  for (int i = 0; i < 5; ++i) {
    BlockingHttp http;
    ASSERT_EQ(http.Send({"GET", fake_->base_url() + "/models", {}, "", 30000}).status, 200);
  }
  BlockingHttp closing;
  for (int i = 0; i < 3; ++i) {
    HttpCall call = ChatCall(*fake_, ChatBody("fake/ok", "close"), {"Connection: close"});
    ASSERT_EQ(closing.Send(call).status, 200);
  }
  Json stats = Stats();
  EXPECT_EQ(stats["requests"], 8);
  EXPECT_EQ(stats["models_requests"], 5);
  EXPECT_EQ(stats["connections_accepted"], 8);
}

TEST_F(FakeStatsTest, CountsRequestsForAModelInsideTheRetryAfterWindowItAnnounced) {
  ASSERT_TRUE(fake_
                  ->AddRules(Json::array({{{"model", "fake/scripted"},
                                           {"times", 1},
                                           {"behavior", {{"status", 429}, {"retry_after", "30"}}}}}))
                  .ok());
  BlockingHttp http;
  ASSERT_EQ(http.Send(ChatCall(*fake_, ChatBody("fake/scripted", "a"))).status, 429);
  EXPECT_EQ(Stats()["requests_inside_retry_after"], 0);
  ASSERT_EQ(http.Send(ChatCall(*fake_, ChatBody("fake/ok", "other model"))).status, 200);
  ASSERT_EQ(http.Send(ChatCall(*fake_, ChatBody("fake/scripted", "too soon"))).status, 200);
  Json stats = Stats();
  EXPECT_EQ(stats["requests_inside_retry_after"], 1);
  EXPECT_EQ(stats["inside_retry_after_by_model"]["fake/scripted"], 1);
  EXPECT_FALSE(stats["inside_retry_after_by_model"].contains("fake/ok"));
}

TEST_F(FakeStatsTest, StopsCleanlyOnSigtermEvenWithRequestsInFlight) {
  // A raw connection whose request hangs stays open while the fake stops.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(fake_->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string body = ChatBody("fake/hang", "x").dump();
  const std::string request =
      "POST /api/v1/chat/completions HTTP/1.1\r\nHost: fake\r\n"
      "Authorization: Bearer " +
      fake_->api_key() + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  ASSERT_TRUE(fake_->WaitForStats([](const Json& s) { return s["in_flight"] == 1; }).ok());

  // Under sanitizers a clean exit also means no leak and no error report.
  EXPECT_TRUE(fake_->Stop().ok());
  close(fd);
}

TEST(FakeThreadsTest, SeveralEventLoopsShareOnePortAndServeEveryConnection) {
  FakeProcess::Options options;
  options.threads = 2;
  auto fake = FakeProcess::Start(options);
  ASSERT_TRUE(fake.ok()) << fake.status();
  ASSERT_TRUE((*fake)->ResetStats().ok());
  for (int i = 0; i < 20; ++i) {
    BlockingHttp http;
    ASSERT_EQ(http.Send(ChatCall(**fake, ChatBody("fake/ok", "threads"))).status, 200);
  }
  absl::StatusOr<Json> stats = (*fake)->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ((*stats)["requests"], 20);
  EXPECT_EQ((*stats)["connections_accepted"], 20);
}

TEST_F(FakeStatsTest, ClientGivingUpMidHangCountsAsAbortedRequest) {
  BlockingHttp http;
  HttpCall call = ChatCall(*fake_, ChatBody("fake/hang", "x"));
  call.timeout_ms = 200;
  ASSERT_EQ(http.Send(call).curl_code, CURLE_OPERATION_TIMEDOUT);
  // curl closes a timed-out connection; the fake sees the client leave.
  absl::StatusOr<Json> stats = fake_->WaitForStats(
      [](const Json& s) { return s["requests_aborted"] == 1 && s["in_flight"] == 0; });
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ((*stats)["requests"], 1);
}

TEST_F(FakeStatsTest, CompletedAndResetRequestsAreNotCountedAsAborted) {
  BlockingHttp http;
  EXPECT_EQ(http.Send(ChatCall(*fake_, ChatBody("fake/ok", "x"))).status, 200);
  EXPECT_FALSE(http.Send(ChatCall(*fake_, ChatBody("fake/reset", "x"))).completed());
  Json stats = Stats();
  EXPECT_EQ(stats["requests_aborted"], 0);
  EXPECT_EQ(stats["in_flight"], 0);
}

TEST_F(FakeStatsTest, ResetZeroesCountersAndTheRequestLog) {
  BlockingHttp http;
  http.Send(ChatCall(*fake_, ChatBody("fake/ok", "x")));
  ASSERT_TRUE(fake_->ResetStats().ok());
  Json stats = Stats();
  EXPECT_EQ(stats["requests"], 0);
  EXPECT_EQ(stats["connections_accepted"], 0);
  EXPECT_TRUE(stats["by_model"].empty());
  absl::StatusOr<Json> log = fake_->Requests(10);
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE(log->empty());
}

TEST_F(FakeStatsTest, RequestLogRecordsHeadersAndBodiesOfRecentRequests) {
  BlockingHttp http;
  Json body = ChatBody("fake/ok", "remember me");
  http.Send(ChatCall(*fake_, body, {"X-Trace: one"}));
  http.Send({"GET", fake_->base_url() + "/models", {}, "", 30000});

  absl::StatusOr<Json> log = fake_->Requests(10);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 2u);
  const Json& chat = (*log)[0];
  EXPECT_EQ(chat["method"], "POST");
  EXPECT_EQ(chat["path"], "/api/v1/chat/completions");
  EXPECT_EQ(chat["headers"]["Authorization"], "Bearer " + fake_->api_key());
  EXPECT_EQ(chat["headers"]["X-Trace"], "one");
  EXPECT_EQ(ParseJson(chat["body"].get<std::string>()), body);
  EXPECT_EQ((*log)[1]["path"], "/api/v1/models");

  absl::StatusOr<Json> latest = fake_->Requests(1);
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_EQ((*latest)[0]["method"], "GET");
  EXPECT_EQ(Stats()["last_request_headers"].contains("Host"), true);
}

// Lets this process open the sockets of a thousand transfers whatever the inherited soft limit.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

TEST_F(FakeStatsTest, ThousandConcurrentSlowRequestsAreHeldAtOnceAndAllComplete) {
  constexpr int kRequests = 1000;
  // Long enough that every transfer is in flight before the first one is answered.
  constexpr int kLatencyMs = 3000;
  RaiseOpenFileLimit();

  CURLM* multi = curl_multi_init();
  const std::string url = fake_->base_url() + "/chat/completions";
  const std::string payload = ChatBody("fake/ok", "slow").dump();
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + fake_->api_key()).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(
      headers, ("X-Fake-Behavior: {\"latency_ms\": " + std::to_string(kLatencyMs) + "}").c_str());
  std::vector<std::string> bodies(kRequests);
  std::vector<CURL*> handles;
  for (int i = 0; i < kRequests; ++i) {
    CURL* easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 120000L);
    curl_easy_setopt(
        easy, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* user) {
          static_cast<std::string*>(user)->append(data, size * count);
          return size * count;
        });
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &bodies[i]);
    curl_multi_add_handle(multi, easy);
    handles.push_back(easy);
  }

  int running = 0;
  do {
    curl_multi_perform(multi, &running);
    if (running > 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  } while (running > 0);

  int ok = 0;
  CURLMsg* message;
  int left = 0;
  while ((message = curl_multi_info_read(multi, &left)) != nullptr) {
    long status = 0;
    curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
    if (message->msg == CURLMSG_DONE && message->data.result == CURLE_OK && status == 200) ++ok;
  }
  for (CURL* easy : handles) {
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);

  EXPECT_EQ(ok, kRequests);
  for (const std::string& body : bodies) {
    ASSERT_EQ(ParseJson(body)["choices"][0]["message"]["content"], "Fake answer to: slow");
  }
  Json stats = Stats();
  EXPECT_EQ(stats["requests"], kRequests);
  EXPECT_EQ(stats["max_in_flight"], kRequests);
  EXPECT_EQ(stats["requests_aborted"], 0);
}

}  // namespace
}  // namespace flowhost::fake_openrouter
