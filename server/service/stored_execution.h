// What a retry (RetryExecution) or a resume (ExecutionResumer) takes from a recorded execution:
// its input, and the outputs of the nodes that succeeded, to give the executor as
// ExecutionRequest::reused_outputs so that those nodes are not run again.
//
// A node's outputs are reusable when it succeeded (or was disabled, passing its input through)
// and the history holds its items whole: not cut at store.max_output_bytes, and written at all
// (a successful node's items are not written under the `failed` save policy). Any other node runs
// again.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_SERVICE_STORED_EXECUTION_H_
#define FLOWHOST_SERVER_SERVICE_STORED_EXECUTION_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"
#include "server/store/execution_model.h"

namespace flowhost::service {

using ReusedOutputs = std::map<std::string, std::vector<sdk::Items>, std::less<>>;

// The execution's stored input object; DATA_LOSS naming the execution when it is not one.
absl::StatusOr<sdk::Json> StoredInput(const store::ExecutionRow& execution);

// The reusable outputs of `detail`'s nodes (read with nodes and items), by node name.
ReusedOutputs ReusableOutputs(const store::ExecutionDetail& detail);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_STORED_EXECUTION_H_
