// The rows of a finished execution kept inside its own row (SQLite, schema version 6): the node
// rows and event-log rows that were written in the same transaction as the execution's outcome.
// Instead of one row in execution_nodes and one in execution_events each (every one a b-tree
// insert into a table and its index, and pages more to write at the commit), they go into the
// executions row's `folded_rows` column as one blob, in the UPDATE that finishes it. Nothing is
// committed later than before: those rows would have been committed by that same transaction.
// Readers (GetExecution, ReadEvents) merge them with the tables' rows; a folded node replaces a
// table row of the same name (it is the later write of an upsert).
//
// The blob: "FR1", then the node count and each node, then the event count and each event;
// integers as zigzag varints, a cost as its 8 bytes, texts as their length then their bytes.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_STORE_SQLITE_FOLDED_ROWS_H_
#define FLOWHOST_SERVER_STORE_SQLITE_FOLDED_ROWS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/store/execution_model.h"

namespace flowhost::store {

struct FoldedRows {
  std::vector<NodeRow> nodes;  // in the order they were written, one per name
  std::vector<EventRow> events;  // in sequence order, one per sequence number
};

std::string EncodeFoldedRows(std::span<const NodeRow> nodes, std::span<const EventRow> events);
// DATA_LOSS naming the execution when the blob does not decode. An empty blob holds nothing.
absl::StatusOr<FoldedRows> DecodeFoldedRows(std::string_view blob,
                                            const std::string& execution_id);

// Adds `folded` to `nodes` (an execution's node rows from the table, in their order): a folded
// node replaces the row of the same name in its place; the others are appended.
void MergeFoldedNodes(std::vector<NodeRow>& nodes, std::vector<NodeRow> folded);

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_SQLITE_FOLDED_ROWS_H_
