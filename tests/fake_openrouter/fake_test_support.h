// Helpers for the fake OpenRouter's own tests: request bodies, a chat call to a running fake, and a
// minimal Server-Sent-Events splitter to check stream shapes. Test-only; one thread at a time.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_TEST_SUPPORT_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_TEST_SUPPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fake_openrouter/blocking_http.h"
#include "tests/fake_openrouter/fake_process.h"

namespace flowhost::fake_openrouter {

// One SSE item: a comment line (": ...", without the colon) or the data of an event.
struct SseItem {
  bool comment = false;
  std::string text;
};

// Splits an SSE body into comments and events (LF or CRLF; multi-line data joined with "\n").
std::vector<SseItem> SplitSse(std::string_view body);

// {"model": model, "messages": [{"role": "user", "content": text}]}
nlohmann::json ChatBody(const std::string& model, const std::string& text);

// A POST to the fake's chat endpoint with the fake's key and `extra_headers`.
HttpCall ChatCall(const FakeProcess& fake, const nlohmann::json& body,
                  std::vector<std::string> extra_headers = {});

// Parses JSON without throwing; a discarded value when `text` is not JSON.
nlohmann::json ParseJson(std::string_view text);

// The catalogue file the fake serves by default, parsed.
nlohmann::json LoadCatalogue();

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_TEST_SUPPORT_H_
