// The one scrubber of log lines and returned errors: known secrets and credential-shaped tokens
// are redacted, ordinary words are not.
#include "server/common/secret_scrubber.h"

#include <string>

#include "gtest/gtest.h"

namespace flowhost::common {
namespace {

TEST(SecretScrubber, ReplacesKnownSecretsWhereverTheyOccur) {
  SecretScrubber scrubber({"caller-token-abcdef", "sk-or-v1-0123456789abcdef"});
  EXPECT_EQ(scrubber.Scrub("key sk-or-v1-0123456789abcdef; token=caller-token-abcdef."),
            "key <redacted>; token=<redacted>.");
  EXPECT_TRUE(scrubber.ContainsSecret("xx caller-token-abcdef yy"));
  EXPECT_FALSE(scrubber.ContainsSecret("caller-token"));
}

TEST(SecretScrubber, ReplacesCredentialShapedTokensItNeverKnew) {
  SecretScrubber scrubber;
  EXPECT_EQ(scrubber.Scrub("upstream echoed sk-or-v1-unknownkey999 back"),
            "upstream echoed <redacted> back");
  EXPECT_EQ(scrubber.Scrub("Incorrect API key provided: sk-proj-Abc123def456ghi789jkl012."),
            "Incorrect API key provided: <redacted>.");
  EXPECT_EQ(scrubber.Scrub("Authorization: Bearer sk-or-v1-secretvalue"),
            "Authorization: Bearer <redacted>");
  EXPECT_EQ(scrubber.Scrub("authorization: bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
            "authorization: bearer <redacted>");
  EXPECT_EQ(scrubber.Scrub("{\"error\":\"Bearer Tk7QzWmPxLrNvB\"}"),
            "{\"error\":\"Bearer <redacted>\"}");
}

TEST(SecretScrubber, LeavesOrdinaryWordsAlone) {
  SecretScrubber scrubber({"abc", "sk-or-v1-secretvalue"});  // "abc" is too short to scrub by value
  for (const char* text :
       {"prompt_tokens: 12, model abc", "this endpoint requires a bearer token",
        "send the Bearer header with your key", "Bearer authentication failed",
        "Bearer token-based-authentication is required", "use sk-learn for this",
        "a task-1234567890abcdefghijklmn id", "the sk-or- prefix", "Bearer <redacted>"}) {
    EXPECT_EQ(scrubber.Scrub(text), text);
  }
}

}  // namespace
}  // namespace flowhost::common
