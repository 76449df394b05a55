// Fuzz target: ParseJsonText and AppendJsonText (flowhost/sdk/json_text.h) against nlohmann's own
// parser and dump, on the input taken as JSON text.
//
// Invariants beyond "no crash, no leak, no undefined behaviour":
//   - both parsers reject the text, or both accept it with the same value and the same types all
//     the way down (number_unsigned / number_integer / number_float, the sign of -0.0);
//   - ParseJsonText's errors are INVALID_ARGUMENT "at byte N: ..." with N within the text;
//   - the two documented differences are exactly that: nesting deeper than the bound (512) is
//     refused only when nlohmann's value nests deeper, and a NUL after the value (which nlohmann
//     takes as the end of the input) is refused at that NUL, the text before it parsing as
//     nlohmann's value;
//   - ParseJsonTextLists accepts exactly the accepted texts whose value is an array of arrays, with
//     the same values;
//   - JsonText writes what nlohmann's dump writes, and that text parses back to an equal value
//     (the same as nlohmann's) that writes the same text;
//     on the input taken as a string (and a key), valid UTF-8 or not, it writes what dump writes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "flowhost/sdk/json_text.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/sdk/same_json.h"

namespace flowhost::fuzz {
namespace {

using sdk::Json;

size_t Depth(const Json& value) {
  if (!value.is_structured()) return 0;
  size_t deepest = 0;
  for (const Json& element : value) deepest = std::max(deepest, Depth(element));
  return deepest + 1;
}

// N of an "at byte N: ..." message.
size_t ErrorOffset(const absl::Status& status, std::string_view text) {
  const std::string message(status.message());
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument, status);
  FUZZ_CHECK(message.rfind("at byte ", 0) == 0, status);
  const size_t offset = std::stoul(message.substr(8));
  FUZZ_CHECK(offset <= text.size(), status << " for a text of " << text.size() << " bytes");
  return offset;
}

// The text as a string and as a key, valid UTF-8 or not: JsonText writes what dump writes.
void CheckWritingRawBytes(std::string_view text) {
  const Json value = {{std::string(text), std::string(text)}};
  const std::string written = sdk::JsonText(value);
  FUZZ_CHECK(written == value.dump(-1, ' ', false, Json::error_handler_t::replace), written);
}

// ParseJsonTextLists takes exactly the texts ParseJsonText takes whose value is an array of arrays,
// with the same values; its errors name a byte within the text.
void CheckLists(std::string_view text, const absl::StatusOr<Json>& parsed) {
  const absl::StatusOr<std::vector<std::vector<Json>>> lists = sdk::ParseJsonTextLists(text);
  const bool lists_shape =
      parsed.ok() && parsed->is_array() &&
      std::all_of(parsed->begin(), parsed->end(), [](const Json& list) { return list.is_array(); });
  FUZZ_CHECK(lists.ok() == lists_shape,
             "ParseJsonTextLists: " << lists.status() << "; ParseJsonText: " << parsed.status());
  if (!lists.ok()) {
    ErrorOffset(lists.status(), text);
    return;
  }
  FUZZ_CHECK(lists->size() == parsed->size(), lists->size() << " lists");
  for (size_t i = 0; i < lists->size(); ++i) {
    FUZZ_CHECK(sdk::SameJson(Json((*lists)[i]), (*parsed)[i]), "list " << i);
  }
}

void Check(std::string_view text) {
  CheckWritingRawBytes(text);
  const Json expected = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const absl::StatusOr<Json> parsed = sdk::ParseJsonText(text);
  CheckLists(text, parsed);
  if (!parsed.ok()) {
    const size_t offset = ErrorOffset(parsed.status(), text);
    if (expected.is_discarded()) return;
    const std::string message(parsed.status().message());
    if (message.find("nest deeper than") != std::string::npos) {
      FUZZ_CHECK(Depth(expected) > sdk::kDefaultMaxJsonDepth, parsed.status());
      return;
    }
    FUZZ_CHECK(offset < text.size() && text[offset] == '\0',
               "nlohmann accepts it as " << expected.dump() << "; " << parsed.status());
    const absl::StatusOr<Json> before_nul = sdk::ParseJsonText(text.substr(0, offset));
    FUZZ_CHECK(before_nul.ok() && sdk::SameJson(*before_nul, expected),
               "the text before the NUL: " << before_nul.status());
    return;
  }
  FUZZ_CHECK(!expected.is_discarded(),
             "nlohmann rejects it, ParseJsonText gave " << parsed->dump());
  FUZZ_CHECK(sdk::SameJson(*parsed, expected),
             "got " << parsed->dump() << ", nlohmann " << expected.dump());

  const std::string written = sdk::JsonText(*parsed);
  FUZZ_CHECK(written == expected.dump(-1, ' ', false, Json::error_handler_t::replace), written);
  // The written text parses back to an equal value (-0, a number_integer, comes back as 0, a
  // number_unsigned, as with nlohmann), that nlohmann agrees with, and that writes the same text.
  const absl::StatusOr<Json> again = sdk::ParseJsonText(written);
  FUZZ_CHECK(again.ok() && *again == *parsed, written << ": " << again.status());
  FUZZ_CHECK(sdk::SameJson(*again, Json::parse(written, nullptr, false)), written);
  FUZZ_CHECK(sdk::JsonText(*again) == written, written);
}

}  // namespace
}  // namespace flowhost::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flowhost::fuzz::Check(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
