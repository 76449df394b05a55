// Fuzz target: OpenRouter's error answers (nodes/openrouter_client/error_classifier.h). The input
// is an HTTP answer in text: the status on the first line, then header lines ("Retry-After: 30") up
// to an empty line, then the body:
//
//   429
//   Retry-After: Wed, 21 Oct 2015 07:28:00 GMT
//
//   {"error": {"code": 429, "message": "Rate limit exceeded", "metadata": {...}}}
//
// The answer goes through ClassifyHttpError; when the body holds an `error` value it also goes
// through ClassifyErrorObject, as a 2xx body's and as a stream event's error would.
//
// Invariants beyond "no crash, no leak, no undefined behaviour": every result is a classified error
// without the key (openrouter_checks.h); a server-requested delay is never negative.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "nodes/openrouter_client/error_classifier.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/openrouter_checks.h"

namespace flowhost::fuzz {
namespace {

using nodes::openrouter::CallDescription;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// Takes the text up to the next '\n' (or all of it) off the front of `text`; a trailing '\r' is
// dropped.
std::string_view NextLine(std::string_view& text) {
  size_t end = text.find('\n');
  std::string_view line = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

void Check(const absl::Status& status) {
  CheckClassifiedError(status);
  if (std::optional<absl::Duration> delay = sdk::RetryAfterOf(status)) {
    FUZZ_CHECK(*delay >= absl::ZeroDuration(), status);
  }
}

}  // namespace
}  // namespace flowhost::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowhost::fuzz;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  int http_status = 500;
  if (!absl::SimpleAtoi(flowhost::sdk::AsAbsl(NextLine(text)), &http_status)) http_status = 500;
  flowhost::sdk::HttpHeaders headers;
  while (!text.empty()) {
    std::string_view line = NextLine(text);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  const std::string_view body = text;
  const CallDescription call{"chat completion", "openai/gpt-4o-mini", &FuzzEndpoint()};

  Check(flowhost::nodes::openrouter::ClassifyHttpError(http_status, body, headers, kNow, call));

  flowhost::sdk::Json parsed =
      flowhost::sdk::Json::parse(body, nullptr, /*allow_exceptions=*/false);
  auto error_it = parsed.is_object() ? parsed.find("error") : parsed.end();
  if (error_it != parsed.end() && !error_it->is_null()) {
    const flowhost::sdk::Json& error = *error_it;
    Check(
        flowhost::nodes::openrouter::ClassifyErrorObject(error, /*mid_stream=*/false, kNow, call));
    Check(flowhost::nodes::openrouter::ClassifyErrorObject(error, /*mid_stream=*/true, kNow, call));
  }
  return 0;
}
