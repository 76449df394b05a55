// The direct-path HTTP target against the project's fake OpenRouter.
#include "bench/loadgen/http_call_target.h"

#include <gtest/gtest.h>

#include <string>

#include "bench/loadgen/load_driver.h"
#include "tests/fake_openrouter/fake_process.h"

namespace flowhost::bench {
namespace {

using fake_openrouter::FakeProcess;

class HttpCallTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = std::move(*fake);
  }

  LoadgenConfig Config(const std::string& body) const {
    LoadgenConfig config;
    config.call = CallKind::kHttp;
    config.url = fake_->base_url() + "/chat/completions";
    config.headers = {{"Authorization", "Bearer " + fake_->api_key()},
                      {"Content-Type", "application/json"}};
    config.body = body;
    config.concurrency = 4;
    config.warmup = absl::Milliseconds(50);
    config.duration = absl::Milliseconds(300);
    return config;
  }

  static RunResults RunLoad(const LoadgenConfig& config) {
    auto target = MakeCallTarget(config);
    EXPECT_TRUE(target.ok()) << target.status();
    LoadDriver driver(config, **target);
    return driver.Run();
  }

  std::unique_ptr<FakeProcess> fake_;
};

TEST_F(HttpCallTargetTest, AnsweredRequestsCountAsHttp200) {
  RunResults results =
      RunLoad(Config(R"({"model":"fake/ok","messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_GT(results.ok, 0u);
  EXPECT_EQ(results.failed, 0u);
  EXPECT_EQ(results.codes["HTTP_200"], results.ok);
  EXPECT_EQ(results.first_token.count, 0u);

  auto stats = fake_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_GE((*stats)["chat_requests"].get<uint64_t>(), results.ok);
}

TEST_F(HttpCallTargetTest, StreamedAnswersReportTheirFirstContentToken) {
  RunResults results = RunLoad(
      Config(R"({"model":"fake/ok","stream":true,"messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_GT(results.ok, 0u);
  EXPECT_EQ(results.first_token.count, results.ok);
  EXPECT_LE(results.first_token.max_us, results.latency.max_us);
}

TEST_F(HttpCallTargetTest, UpstreamErrorsAreCountedByHttpStatus) {
  RunResults results =
      RunLoad(Config(R"({"model":"fake/fail500","messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_EQ(results.ok, 0u);
  EXPECT_GT(results.failed, 0u);
  EXPECT_EQ(results.codes["HTTP_500"], results.failed);
}

}  // namespace
}  // namespace flowhost::bench
