// What the OpenRouter fuzz targets check about every error they get back, and the endpoint they
// call through: its key appears in no input, so the key showing up in an error means upstream text
// was not scrubbed (the fuzzer learns the key from the seeds that echo it).
//
// For the targets in tests/fuzz only. Thread-safety: pure functions over immutable values.
#ifndef FLOWHOST_TESTS_FUZZ_OPENROUTER_CHECKS_H_
#define FLOWHOST_TESTS_FUZZ_OPENROUTER_CHECKS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "nodes/openrouter_client/error_classifier.h"
#include "tests/fuzz/fuzz_check.h"

namespace flowhost::fuzz {

inline constexpr std::string_view kFuzzApiKey = "fuzz-api-key-0123456789";

// An endpoint holding kFuzzApiKey, for the CallDescription of the calls under test.
inline const nodes::openrouter::Endpoint& FuzzEndpoint() {
  static const nodes::openrouter::Endpoint* const endpoint = [] {
    auto* built = new nodes::openrouter::Endpoint();
    built->api_key = sdk::Secret(std::string(kFuzzApiKey));
    return built;
  }();
  return *endpoint;
}

// True when a string of `value`, or an object key in it, holds kFuzzApiKey.
inline bool HoldsKey(const sdk::Json& value) {
  if (value.is_string()) {
    return value.get_ref<const std::string&>().find(kFuzzApiKey) != std::string::npos;
  }
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      if (key.find(kFuzzApiKey) != std::string::npos || HoldsKey(member)) return true;
    }
  }
  if (value.is_array()) {
    for (const sdk::Json& element : value) {
      if (HoldsKey(element)) return true;
    }
  }
  return false;
}

// A classified error as the router and the service read it: not OK, with a class whose status
// code is the code, a message in valid UTF-8 (it becomes a protobuf string), and the key neither in
// the message nor in the details.
inline void CheckClassifiedError(const absl::Status& status) {
  FUZZ_CHECK(!status.ok(), "an error classified as OK");
  std::string error_class = sdk::ErrorClassOf(status);
  FUZZ_CHECK(nodes::openrouter::StatusCodeForClass(error_class) == status.code(),
             "class " << error_class << " with " << status);
  FUZZ_CHECK(!status.message().empty(), "class " << error_class << " without a message");
  std::string message(sdk::AsStd(status.message()));
  FUZZ_CHECK(IsValidUtf8(message), "a message that is not UTF-8: " << message);
  FUZZ_CHECK(message.find(kFuzzApiKey) == std::string::npos, "the key in the message: " << message);
  // Every string of the details, as a reader gets it back: the JSON text itself is not searched,
  // since an escape can spell the key where no string holds it (a form feed before "uzz-api-key-…"
  // is written "\fuzz-api-key-…").
  sdk::Json details = sdk::ErrorDetailsOf(status);
  FUZZ_CHECK(!HoldsKey(details), "the key in the details: "
                                     << details.dump(-1, ' ', false,
                                                     sdk::Json::error_handler_t::replace));
}

}  // namespace flowhost::fuzz

#endif  // FLOWHOST_TESTS_FUZZ_OPENROUTER_CHECKS_H_
