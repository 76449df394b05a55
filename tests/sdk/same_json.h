// SameJson(a, b): whether two Json values are equal *and* of the same types all the way down, for
// the tests and the fuzz target that compare ParseJsonText with nlohmann's parser. `a == b` alone
// is not enough: nlohmann compares 7u and 7 equal, and -0.0 and 0.0.
//
// Thread-safety: a pure function.
#ifndef FLOWHOST_TESTS_SDK_SAME_JSON_H_
#define FLOWHOST_TESTS_SDK_SAME_JSON_H_

#include <cmath>

#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

inline bool SameJson(const Json& a, const Json& b) {
  if (a.type() != b.type() || a != b) return false;
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameJson(a[i], b[i])) return false;
    }
  } else if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!SameJson(it.value(), b.at(it.key()))) return false;
    }
  } else if (a.is_number_float()) {
    if (std::signbit(a.get<double>()) != std::signbit(b.get<double>())) return false;
  }
  return true;
}

}  // namespace flowhost::sdk

#endif  // FLOWHOST_TESTS_SDK_SAME_JSON_H_
