// With nghttpx in front (h2_front.sh), the fake is reachable over TLS + HTTP/2, and concurrent
// requests share one multiplexed connection.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/fake_openrouter/fake_process.h"
#include "tests/fake_openrouter/fake_test_support.h"
#include "tests/fake_openrouter/h2_front.h"

namespace flowhost::fake_openrouter {
namespace {

size_t Append(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

TEST(FakeH2FrontTest, ConcurrentRequestsAreMultiplexedOnOneHttp2Connection) {
  auto fake = FakeProcess::Start();
  ASSERT_TRUE(fake.ok()) << fake.status();
  auto front = H2Front::Start((*fake)->port());
  if (absl::IsNotFound(front.status())) GTEST_SKIP() << front.status();
  ASSERT_TRUE(front.ok()) << front.status();

  constexpr int kRequests = 20;
  const std::string url = (*front)->base_url() + "/chat/completions";
  const std::string payload = ChatBody("fake/ok", "over h2").dump();
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + (*fake)->api_key()).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "X-Fake-Behavior: {\"latency_ms\": 300}");

  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  std::vector<CURL*> handles;
  std::vector<std::string> bodies(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    CURL* easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(easy, CURLOPT_CAINFO, (*front)->ca_file().c_str());
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);  // wait to multiplex rather than connect again
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Append);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &bodies[i]);
    curl_multi_add_handle(multi, easy);
    handles.push_back(easy);
  }
  int running = 0;
  do {
    curl_multi_perform(multi, &running);
    if (running > 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  } while (running > 0);

  long connects = 0;
  int http2_ok = 0;
  for (CURL* easy : handles) {
    long status = 0;
    long version = 0;
    long connected = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connected);
    connects += connected;
    if (status == 200 && version == CURL_HTTP_VERSION_2_0) ++http2_ok;
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);

  EXPECT_EQ(http2_ok, kRequests);
  EXPECT_EQ(connects, 1) << "every request but the first reused the one HTTP/2 connection";
  for (const std::string& body : bodies) {
    EXPECT_EQ(ParseJson(body)["choices"][0]["message"]["content"], "Fake answer to: over h2");
  }
  absl::StatusOr<nlohmann::json> stats = (*fake)->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ((*stats)["chat_requests"], kRequests);
  EXPECT_TRUE((*front)->Stop().ok());
}

}  // namespace
}  // namespace flowhost::fake_openrouter
