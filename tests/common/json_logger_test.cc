#include "server/common/json_logger.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace flowhost::common {
namespace {

class CapturingSink : public LogSink {
 public:
  void Write(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

TEST(JsonLoggerTest, WritesOneJsonObjectPerLineWithBoundFields) {
  auto sink = std::make_shared<CapturingSink>();
  JsonLogger root(sink, sdk::LogLevel::kInfo, {{"service", "flowhost"}});
  auto execution = root.With({{"execution_id", "e1"}, {"workflow", "ask"}});
  execution->Log(sdk::LogLevel::kInfo, "node finished", {{"node", "chat"}, {"duration_ms", 12}});
  ASSERT_EQ(sink->lines.size(), 1u);
  sdk::Json line = sdk::Json::parse(sink->lines[0]);
  EXPECT_EQ(line["msg"], "node finished");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["service"], "flowhost");
  EXPECT_EQ(line["execution_id"], "e1");
  EXPECT_EQ(line["workflow"], "ask");
  EXPECT_EQ(line["node"], "chat");
  EXPECT_EQ(line["duration_ms"], 12);
  EXPECT_TRUE(line.contains("ts"));
}

TEST(JsonLoggerTest, DropsLinesBelowTheMinimumLevel) {
  auto sink = std::make_shared<CapturingSink>();
  JsonLogger logger(sink, sdk::LogLevel::kWarning);
  logger.Log(sdk::LogLevel::kInfo, "quiet", nullptr);
  logger.Log(sdk::LogLevel::kError, "loud", nullptr);
  ASSERT_EQ(sink->lines.size(), 1u);
  EXPECT_NE(sink->lines[0].find("loud"), std::string::npos);
}

TEST(JsonLoggerTest, RedactsValuesUnderCredentialKeysButNotTokenCounts) {
  auto sink = std::make_shared<CapturingSink>();
  JsonLogger logger(sink, sdk::LogLevel::kDebug);
  logger.Log(sdk::LogLevel::kInfo, "request",
             {{"Authorization", "Bearer sk-or-v1-abc"},
              {"nested", {{"api_key", "sk-or-v1-abc"}}},
              {"prompt_tokens", 42}});
  ASSERT_EQ(sink->lines.size(), 1u);
  EXPECT_EQ(sink->lines[0].find("sk-or-v1-abc"), std::string::npos);
  sdk::Json line = sdk::Json::parse(sink->lines[0]);
  EXPECT_EQ(line["prompt_tokens"], 42);
  EXPECT_EQ(line["Authorization"], "<redacted>");
}

TEST(JsonLoggerTest, ScrubsEveryLineWithTheHostsScrubber) {
  auto sink = std::make_shared<CapturingSink>();
  auto scrubber =
      std::make_shared<const SecretScrubber>(std::vector<std::string>{"caller-token-0123456789"});
  JsonLogger root(sink, sdk::LogLevel::kDebug, nullptr, scrubber);
  auto child = root.With({{"execution_id", "e1"}});
  child->Log(sdk::LogLevel::kInfo, "route not used",
             {{"error", "401: key sk-or-v1-unknownkey999 rejected"},
              {"nested", {{"detail", "caller-token-0123456789 was sent"}}},
              {"hint", "this endpoint requires a bearer token"}});
  ASSERT_EQ(sink->lines.size(), 1u);
  EXPECT_EQ(sink->lines[0].find("unknownkey999"), std::string::npos) << sink->lines[0];
  EXPECT_EQ(sink->lines[0].find("caller-token-0123456789"), std::string::npos);
  sdk::Json line = sdk::Json::parse(sink->lines[0]);  // still one valid JSON object
  EXPECT_EQ(line["error"], "401: key <redacted> rejected");
  EXPECT_EQ(line["nested"]["detail"], "<redacted> was sent");
  EXPECT_EQ(line["hint"], "this endpoint requires a bearer token");
}

TEST(JsonLoggerTest, ParsesLevelNames) {
  sdk::LogLevel level;
  EXPECT_TRUE(ParseLogLevel("WARN", &level));
  EXPECT_EQ(level, sdk::LogLevel::kWarning);
  EXPECT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, sdk::LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

}  // namespace
}  // namespace flowhost::common
