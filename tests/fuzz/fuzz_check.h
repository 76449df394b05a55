// FUZZ_CHECK(condition, detail): an invariant a fuzz target asserts about the code under test. When
// it does not hold, the target prints the condition, its place and `detail` (anything streamable)
// and aborts, so libFuzzer keeps the input as a crash and the corpus replay test fails on it.
// DumpsStrictly(value): whether `value` dumps as the host dumps most JSON, strictly, which throws
// on a string that is not UTF-8; IsValidUtf8(text): whether `text` is valid UTF-8, as a protobuf
// string field and a strict JSON dump need it.
//
// For the targets in tests/fuzz only. Thread-safety: called from the one thread that runs the
// input.
#ifndef FLOWHOST_TESTS_FUZZ_FUZZ_CHECK_H_
#define FLOWHOST_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "flowhost/sdk/json.h"

#define FUZZ_CHECK(condition, detail)                                                      \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::ostringstream fuzz_check_detail;                                                \
      fuzz_check_detail << detail;                                                         \
      std::cerr << __FILE__ << ":" << __LINE__ << ": invariant broken: " #condition "\n  " \
                << fuzz_check_detail.str() << std::endl;                                   \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)

namespace flowhost::fuzz {

inline bool DumpsStrictly(const sdk::Json& value) {
  try {
    (void)value.dump();
    return true;
  } catch (const sdk::Json::type_error&) {
    return false;
  }
}

inline bool IsValidUtf8(std::string_view text) {
  return DumpsStrictly(sdk::Json(std::string(text)));
}

}  // namespace flowhost::fuzz

#endif  // FLOWHOST_TESTS_FUZZ_FUZZ_CHECK_H_
