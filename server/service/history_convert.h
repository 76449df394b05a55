// The execution history's records (server/store/execution_model.h) as the API shows them
// (flowhost.v1.Execution, ExecutionNode, ExecutionState), and the API's list filters as a store
// query.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_SERVICE_HISTORY_CONVERT_H_
#define FLOWHOST_SERVER_SERVICE_HISTORY_CONVERT_H_

#include "absl/status/statusor.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "server/common/secret_scrubber.h"
#include "server/store/execution_model.h"
#include "server/store/execution_store.h"

namespace flowhost::service {

v1::ExecutionState ExecutionStateToProto(store::ExecutionStatus status);

// `detail` as an Execution: the input when the row has it, the nodes it holds, and output items
// when they were read. DATA_LOSS when stored JSON does not parse (a corrupted row).
absl::Status ExecutionToProto(const store::ExecutionDetail& detail,
                              const common::SecretScrubber& scrubber, v1::Execution& out);
// A row of a ListExecutions page (no input, output or nodes).
void ExecutionRowToProto(const store::ExecutionRow& row, const common::SecretScrubber& scrubber,
                         v1::Execution& out);

// ListExecutions' filters and page as a store query: INVALID_ARGUMENT naming the field for a
// negative page size, an unspecified state or an out-of-range time.
absl::StatusOr<store::ListQuery> ListQueryFromProto(const v1::ListExecutionsRequest& request);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_HISTORY_CONVERT_H_
