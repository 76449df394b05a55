// Fuzz target: OpenRouter's chat answers (nodes/openrouter_client/chat_response.h). The input is
// read twice, as the chat node reads an answer: as a non-streaming body (ParseChatCompletion), and
// as a text/event-stream whose events' data go to a ChatStreamAccumulator (fed whole: the SSE
// parser's own splitting is the sse_parser target's business).
//
// Invariants beyond "no crash, no leak, no undefined behaviour": an answer becomes an item (an
// object, the same whether copied or moved out); a streamed answer's text is exactly its content
// deltas joined; every failure is a classified error without the key (openrouter_checks.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "flowhost/sdk/sse_parser.h"
#include "nodes/openrouter_client/chat_response.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/openrouter_checks.h"

namespace flowhost::fuzz {
namespace {

using nodes::openrouter::CallDescription;
using nodes::openrouter::ChatAnswer;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

CallDescription Call() {
  return CallDescription{"chat completion", "openai/gpt-4o-mini", &FuzzEndpoint()};
}

std::string Shown(const sdk::Json& value) {
  return value.dump(-1, ' ', false, sdk::Json::error_handler_t::replace);
}

void CheckAnswer(absl::StatusOr<ChatAnswer> answer) {
  if (!answer.ok()) {
    CheckClassifiedError(answer.status());
    return;
  }
  FUZZ_CHECK(!answer->model.empty(), "an answer without a model");
  sdk::Json copied = answer->ToItem(0.5, absl::Milliseconds(3));
  sdk::Json moved = std::move(*answer).ToItem(0.5, absl::Milliseconds(3));
  FUZZ_CHECK(copied.is_object(), Shown(copied));
  FUZZ_CHECK(copied == moved, "copied: " << Shown(copied) << "\nmoved: " << Shown(moved));
}

void FuzzBody(std::string_view body) {
  CheckAnswer(nodes::openrouter::ParseChatCompletion(body, kNow, Call()));
}

void FuzzStream(std::string_view stream) {
  std::string content_deltas;
  nodes::openrouter::ChatStreamAccumulator accumulator(
      Call(), [&content_deltas](std::string_view text, std::string_view kind) {
        FUZZ_CHECK(!text.empty(), "an empty " << kind << " delta");
        FUZZ_CHECK(kind == "content" || kind == "reasoning", kind);
        if (kind == "content") content_deltas += text;
      });
  sdk::SseParser parser(
      [&accumulator](const sdk::SseEvent& event) { accumulator.OnData(event.data, kNow); });
  // As chat_call.cc does with a body that was not streamed to it.
  absl::Status fed = parser.Feed(stream);
  if (!fed.ok()) {
    accumulator.Fail(nodes::openrouter::MalformedResponse(sdk::AsStd(fed.message()), Call()));
  }
  parser.Finish();
  absl::StatusOr<ChatAnswer> answer = accumulator.Finish();
  if (answer.ok() && answer->content.is_string()) {
    FUZZ_CHECK(answer->content.get<std::string>() == content_deltas,
               "content " << Shown(answer->content) << " but deltas " << content_deltas);
  }
  CheckAnswer(std::move(answer));
}

}  // namespace
}  // namespace flowhost::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  flowhost::fuzz::FuzzBody(text);
  flowhost::fuzz::FuzzStream(text);
  return 0;
}
