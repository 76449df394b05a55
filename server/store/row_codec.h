// Turns database rows into the store's model, the same way for both backends: each backend reads
// a row through a RowReader over its own result type. The column lists are shared, so both
// backends select the same columns in the same order. A value that does not parse (an unknown
// status, JSON that is not JSON) is reported as DATA_LOSS naming the execution and the column.
//
// Times are stored as microseconds since the Unix epoch (BIGINT), NULL for "not yet".
#ifndef FLOWHOST_SERVER_STORE_ROW_CODEC_H_
#define FLOWHOST_SERVER_STORE_ROW_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/store/execution_model.h"

namespace flowhost::store {

// One row of a result, columns by index.
class RowReader {
 public:
  virtual ~RowReader() = default;
  virtual bool IsNull(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  virtual double Double(int column) const = 0;
};

// The columns DecodeExecution reads, in order; input_json and output_json last (List leaves
// them out and selects kExecutionSummaryColumns).
extern const char* const kExecutionColumns;
extern const char* const kExecutionSummaryColumns;
// The columns DecodeNode reads, in order (output_json and output_truncated last).
extern const char* const kNodeColumns;

absl::StatusOr<ExecutionRow> DecodeExecution(const RowReader& row, bool with_texts);
absl::StatusOr<NodeRow> DecodeNode(const RowReader& row, const std::string& execution_id,
                                   bool with_items);

// An execution's final output kept as a reference to its nodes' stored outputs
// (ExecutionOutcome::output_from), in the output_json column: {"from": [[node, port], ...]}, an
// object where stored items are an array. Schema version 5 and later.
std::string EncodeOutputReference(const std::vector<std::pair<std::string, int>>& from);
bool IsOutputReference(std::string_view output_json);
// Replaces the reference in `execution.output_json`, if it holds one, with the items it names,
// read from `nodes` (decoded with their items); a truncated node output marks the execution's
// output truncated. DATA_LOSS when the reference or a node's items do not parse.
absl::Status ResolveOutputReference(ExecutionRow& execution, const std::vector<NodeRow>& nodes);

// Microseconds since the epoch; nullopt for "not yet" (InfinitePast).
std::optional<int64_t> ToMicros(absl::Time time);
absl::Time FromMicros(std::optional<int64_t> micros);

// The keyset of ListExecutions: a page token is the (created_at, id) of a page's last row.
std::string EncodePageToken(absl::Time created_at, const std::string& id);
absl::StatusOr<std::pair<int64_t, std::string>> DecodePageToken(std::string_view token);

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_ROW_CODEC_H_
