// The plugin ABI version this host speaks, "MAJOR.MINOR" as the loader's messages write it, for
// tests that must not change with every minor version.
#ifndef FLOWHOST_TESTS_PLUGINS_HOST_ABI_H_
#define FLOWHOST_TESTS_PLUGINS_HOST_ABI_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/plugin_abi.h"

namespace flowhost::plugin_testing {

inline std::string HostAbi() { return absl::StrCat(FLOWHOST_ABI_MAJOR, ".", FLOWHOST_ABI_MINOR); }

}  // namespace flowhost::plugin_testing

#endif  // FLOWHOST_TESTS_PLUGINS_HOST_ABI_H_
