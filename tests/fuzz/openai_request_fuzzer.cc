// Fuzz target: the OpenAI-compatible endpoint's request parser (server/http_api/openai_mapping.h),
// on the input taken as the body of a POST /v1/chat/completions a client sends.
//
// Invariants beyond "no crash, no leak, no undefined behaviour":
//   - a refused body gets an OpenAI error with a 4xx status and a message in valid UTF-8;
//   - an accepted body has a non-empty model and a non-empty list of messages, each an object
//     with a string role.
// Allocation is bounded by the input: the parsed body, and the HTTP listener's body limit caps the
// input itself (413 past max_request_bytes).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "server/http_api/openai_mapping.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace openai = flowhost::http_api::openai;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  openai::ChatRequest request;
  std::optional<openai::Error> error = openai::ParseChatRequest(body, request);
  if (error.has_value()) {
    FUZZ_CHECK(error->http_status >= 400 && error->http_status < 500 && !error->message.empty(),
               body);
    FUZZ_CHECK(!openai::ErrorBody(*error).empty(), body);
    FUZZ_CHECK(flowhost::fuzz::IsValidUtf8(error->message), error->message);
    return 0;
  }
  FUZZ_CHECK(!request.model.empty(), body);
  FUZZ_CHECK(request.messages.is_array() && !request.messages.empty(), body);
  for (const auto& message : request.messages) {
    FUZZ_CHECK(message.is_object() && message.contains("role") && message["role"].is_string(),
               body);
  }
  return 0;
}
