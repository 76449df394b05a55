// OpenRouter-shaped bodies for node unit tests that answer through FakeHttpClient: completions,
// stream chunks, error bodies and small catalogues, in the shapes OpenRouter documents.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_TESTS_NODES_TESTING_OPENROUTER_REPLIES_H_
#define FLOWHOST_TESTS_NODES_TESTING_OPENROUTER_REPLIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flowhost/sdk/json.h"

namespace flowhost::node_testing {

struct Reply {
  std::string model = "openai/gpt-4o-mini";
  std::string provider = "OpenAI";
  std::string content = "Hello!";
  int64_t prompt_tokens = 10;
  int64_t completion_tokens = 3;
  std::optional<double> cost = 0.000123;  // usage.cost; nullopt: omitted
  std::string finish_reason = "stop";
  std::string id = "gen-123";
};

// A non-streaming chat.completion body.
std::string CompletionBody(const Reply& reply);

// SSE text for a streamed answer: a comment, a role chunk, one chunk per piece, a finish chunk, the
// usage chunk (empty choices), [DONE]. Each event is one element (tests may split them further).
std::vector<std::string> StreamEvents(const Reply& reply, const std::vector<std::string>& pieces);

// {"error": {"code", "message", "metadata"?}}
std::string ErrorBody(int code, const std::string& message, const sdk::Json& metadata = nullptr);

// A catalogue entry in OpenRouter's /models shape, prices per token as strings.
sdk::Json CatalogueEntry(const std::string& id, const std::string& prompt_price,
                         const std::string& completion_price, int64_t context_length = 8192,
                         int64_t max_completion_tokens = 0);

// {"data": [entries...]}
std::string CatalogueBody(const std::vector<sdk::Json>& entries);

}  // namespace flowhost::node_testing

#endif  // FLOWHOST_TESTS_NODES_TESTING_OPENROUTER_REPLIES_H_
