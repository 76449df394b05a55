// Debian 12's Abseil is built with its own absl::string_view class (ABSL_OPTION_USE_STD_STRING_VIEW is
// 0), which does not convert from std::string_view. flowhost code speaks std::string_view; these two
// helpers convert at the boundary with Abseil APIs (absl::StrCat, absl::Status, absl::Cord, ...).
#ifndef FLOWHOST_SDK_ABSL_COMPAT_H_
#define FLOWHOST_SDK_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace flowhost::sdk {

inline absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view AsStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_ABSL_COMPAT_H_
