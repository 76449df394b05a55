// FUZZ_CHECK(condition, detail): an invariant a fuzz target asserts about the code under test. When
// it does not hold, the target prints the condition, its place and `detail` (anything streamable)
// and aborts, so libFuzzer keeps the input as a crash and the corpus replay test fails on it.
//
// For the targets in tests/fuzz only. Thread-safety: called from the one thread that runs the
// input.
#ifndef FLOWHOST_TESTS_FUZZ_FUZZ_CHECK_H_
#define FLOWHOST_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdlib>
#include <iostream>
#include <sstream>

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

}  // namespace flowhost::fuzz

#endif  // FLOWHOST_TESTS_FUZZ_FUZZ_CHECK_H_
