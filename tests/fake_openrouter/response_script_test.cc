// Scripts frame bodies correctly and stop exactly where a reset or a hang is scripted; streamed
// text is split evenly without breaking a UTF-8 character.
#include "tests/fake_openrouter/response_script.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/fake_openrouter/chat_answer.h"

namespace flowhost::fake_openrouter {
namespace {

// All bytes a script writes, filler included.
std::string Bytes(const ResponseScript& script) {
  std::string out;
  for (const ScriptStep& step : script.steps) {
    if (step.kind == ScriptStep::Kind::kWrite) out += step.bytes;
    if (step.kind == ScriptStep::Kind::kFill) out += std::string(step.count, 'x');
  }
  return out;
}

TEST(FakeScriptBuilderTest, FixedResponseHasContentLengthAndEndsWithFinish) {
  HttpRequest request;
  ResponseScript script =
      ScriptBuilder::Simple(request, 429, "application/json", "{}", {{"Retry-After", "3"}});
  EXPECT_EQ(script.status, 429);
  EXPECT_EQ(Bytes(script),
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
            "Retry-After: 3\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(script.steps.back().kind, ScriptStep::Kind::kFinish);
  EXPECT_FALSE(script.close_after);
}

TEST(FakeScriptBuilderTest, StreamIsChunkedForHttp11AndCloseDelimitedForHttp10) {
  HttpRequest request;
  ScriptBuilder builder(request);
  builder.StartStream(200, "text/event-stream");
  builder.Body("abc");
  builder.Wait(5);
  builder.Body("de");
  ResponseScript script = builder.Finish();
  EXPECT_NE(
      Bytes(script).find("Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
      std::string::npos);
  EXPECT_EQ(script.steps[1].kind, ScriptStep::Kind::kWait);
  EXPECT_EQ(script.steps[1].count, 5);

  HttpRequest old;
  old.version_minor = 0;
  old.keep_alive = true;
  ScriptBuilder old_builder(old);
  old_builder.StartStream(200, "text/event-stream");
  old_builder.Body("abc");
  ResponseScript old_script = old_builder.Finish();
  EXPECT_TRUE(old_script.close_after);
  EXPECT_EQ(Bytes(old_script).substr(Bytes(old_script).size() - 3), "abc");
}

TEST(FakeScriptBuilderTest, ResetAfterBodyBytesCutsTheBodyThenResets) {
  HttpRequest request;
  ScriptBuilder builder(request);
  builder.ResetAfterBodyBytes(7);
  builder.StartFixed(200, "application/json", 20);
  builder.Body("12345");
  builder.Filler(10);
  builder.Body("never");
  ResponseScript script = builder.Finish();
  std::string bytes = Bytes(script);
  EXPECT_EQ(bytes.substr(bytes.find("\r\n\r\n") + 4), "12345xx");
  EXPECT_EQ(script.steps.back().kind, ScriptStep::Kind::kReset);
}

TEST(FakeScriptBuilderTest, HangEndsTheScriptWithoutFinishing) {
  HttpRequest request;
  ScriptBuilder builder(request);
  builder.StartFixed(200, "application/json", 2);
  builder.Hang();
  builder.Body("{}");
  ResponseScript script = builder.Finish();
  EXPECT_EQ(script.steps.back().kind, ScriptStep::Kind::kHang);
  EXPECT_EQ(Bytes(script).find("{}"), std::string::npos);
}

TEST(FakeSplitTextTest, SplitsEvenlyWithoutBreakingUtf8Characters) {
  const std::string text = "h\xC3\xA9llo w\xE2\x82\xACrld";  // 11 characters, 14 bytes
  std::vector<std::string> parts = SplitText(text, 4);
  ASSERT_EQ(parts.size(), 4u);
  std::string joined;
  for (const std::string& part : parts) {
    EXPECT_GE(CountChars(part), 2);
    EXPECT_LE(CountChars(part), 3);
    joined += part;
  }
  EXPECT_EQ(joined, text);
  EXPECT_EQ(SplitText("ab", 10).size(), 2u);
  EXPECT_EQ(SplitText("", 3), std::vector<std::string>{""});
}

}  // namespace
}  // namespace flowhost::fake_openrouter
