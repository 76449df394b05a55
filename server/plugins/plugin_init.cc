#include "server/plugins/plugin_init.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/common/contained_task.h"
#include "server/plugins/host_objects.h"

namespace flowhost::plugins {

absl::Status InitPlugin(const fh_plugin_info& info, const registry::NodeOrigin& origin,
                        registry::NodeTypeRegistry& registry) {
  if (info.init == nullptr) return absl::InvalidArgumentError("its handshake has no init function");
  fh_registrar registrar{&registry, &origin, {}, {}};
  int32_t result;
  try {
    result = info.init(&HostApi(), &registrar);
  } catch (...) {
    return absl::InternalError(
        absl::StrCat("its init threw ", common::DescribeCurrentException()));
  }
  if (result == 0) return absl::OkStatus();
  if (registrar.error.empty() && !registrar.refused_type.empty()) {
    // A plugin that stops at a refused registration need not repeat the host's reason.
    return absl::FailedPreconditionError(
        absl::StrCat("its initialisation failed: ", registrar.refused_type));
  }
  if (registrar.error.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("its initialisation failed (init returned ", result, ") without saying why"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("its initialisation failed: ", registrar.error));
}

}  // namespace flowhost::plugins
