// The items a failed node emits under `on_error: continue` (on output 0) or `on_error:
// error_output` (on its extra "error" output): one per input item, each
//   {"error": {"message", "class", "code", "node", "item_index", "details"?}}
// so that downstream nodes can inspect what went wrong with `$json.error.message`.
//
// Thread-safety: pure function.
#ifndef FLOWHOST_SERVER_EXECUTOR_ERROR_ITEMS_H_
#define FLOWHOST_SERVER_EXECUTOR_ERROR_ITEMS_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "flowhost/sdk/json.h"

namespace flowhost::executor {

// `count` items (at least one) describing `error` of node `node`.
sdk::Items ErrorItems(const absl::Status& error, std::string_view node, size_t count);

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_ERROR_ITEMS_H_
