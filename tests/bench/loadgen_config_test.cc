#include "bench/loadgen/loadgen_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flowhost::bench {
namespace {

using ::testing::HasSubstr;

TEST(LoadgenConfigTest, ARateMeansAnOpenLoop) {
  auto config = ParseLoadgenFlags({"--workflow", "chat", "--rate", "1000", "--duration=5s",
                                   "--warmup", "500ms", "--deadline", "2s", "--json"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->mode, LoadMode::kOpenLoop);
  EXPECT_DOUBLE_EQ(config->rate, 1000);
  EXPECT_EQ(config->duration, absl::Seconds(5));
  EXPECT_EQ(config->warmup, absl::Milliseconds(500));
  EXPECT_EQ(config->deadline, absl::Seconds(2));
  EXPECT_TRUE(config->json);
  EXPECT_EQ(config->call, CallKind::kRunWorkflow);
}

TEST(LoadgenConfigTest, WithoutARateTheLoopIsClosedAtTheGivenConcurrency) {
  auto config = ParseLoadgenFlags({"--workflow", "chat", "--call", "stream", "--concurrency",
                                   "10000", "--channels", "4", "--input", R"({"q":"hi"})"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->mode, LoadMode::kClosedLoop);
  EXPECT_EQ(config->concurrency, 10000);
  EXPECT_EQ(config->channels, 4);
  EXPECT_EQ(config->call, CallKind::kStreamWorkflow);
  EXPECT_EQ(config->input_json, R"({"q":"hi"})");
}

TEST(LoadgenConfigTest, AUrlMeansADirectHttpCallWithItsHeaders) {
  auto config = ParseLoadgenFlags({"--url", "http://127.0.0.1:1/api/v1/chat/completions",
                                   "--header", "Authorization: Bearer k", "--header",
                                   "Content-Type: application/json", "--body", "{}"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->call, CallKind::kHttp);
  ASSERT_EQ(config->headers.size(), 2u);
  EXPECT_EQ(config->headers[0].first, "Authorization");
  EXPECT_EQ(config->headers[0].second, "Bearer k");
  EXPECT_EQ(config->method, "POST");
}

TEST(LoadgenConfigTest, AWorkflowOrYamlIsRequiredForGrpcCalls) {
  auto config = ParseLoadgenFlags({"--rate", "10"});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("--workflow"));
}

TEST(LoadgenConfigTest, AMalformedValueNamesItsFlag) {
  auto duration = ParseLoadgenFlags({"--workflow", "w", "--duration", "ten"});
  ASSERT_FALSE(duration.ok());
  EXPECT_THAT(duration.status().message(), HasSubstr("--duration"));

  auto concurrency = ParseLoadgenFlags({"--workflow", "w", "--concurrency", "0"});
  ASSERT_FALSE(concurrency.ok());
  EXPECT_THAT(concurrency.status().message(), HasSubstr("--concurrency"));

  auto rate = ParseLoadgenFlags({"--workflow", "w", "--rate", "-3"});
  ASSERT_FALSE(rate.ok());
  EXPECT_THAT(rate.status().message(), HasSubstr("--rate"));

  auto api = ParseLoadgenFlags({"--workflow", "w", "--grpc-api", "sync"});
  ASSERT_FALSE(api.ok());
  EXPECT_THAT(api.status().message(), HasSubstr("--grpc-api"));
}

TEST(LoadgenConfigTest, TheGrpcClientApiIsTheCallbackOneUnlessCompletionQueuesAreAsked) {
  auto by_default = ParseLoadgenFlags({"--workflow", "w"});
  ASSERT_TRUE(by_default.ok()) << by_default.status();
  EXPECT_EQ(by_default->grpc_api, GrpcClientApi::kCallback);

  auto cq = ParseLoadgenFlags({"--workflow", "w", "--grpc-api", "cq", "--cq-threads", "2"});
  ASSERT_TRUE(cq.ok()) << cq.status();
  EXPECT_EQ(cq->grpc_api, GrpcClientApi::kCompletionQueue);
  EXPECT_EQ(cq->cq_threads, 2);
}

TEST(LoadgenConfigTest, AnUnknownFlagOrAMissingValueIsAnError) {
  auto unknown = ParseLoadgenFlags({"--workflow", "w", "--qps", "5"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown flag"));

  auto missing = ParseLoadgenFlags({"--workflow"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("needs a value"));
}

TEST(LoadgenConfigTest, AnUnreadableYamlFileIsAnError) {
  auto config = ParseLoadgenFlags({"--yaml-file", "/nonexistent/flowhost/bench.yaml"});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("cannot read"));
}

TEST(LoadgenConfigTest, HelpReturnsTheUsage) {
  auto config = ParseLoadgenFlags({"--help"});
  ASSERT_TRUE(absl::IsCancelled(config.status()));
  EXPECT_THAT(config.status().message(), HasSubstr("--concurrency"));
}

}  // namespace
}  // namespace flowhost::bench
