#include "server/store/owned_executions.h"

#include "server/store/row_codec.h"

namespace flowhost::store {

absl::StatusOr<OwnedExecution*> OwnedExecutions::Check(const Fence& fence) {
  auto it = held_.find(fence.execution_id);
  if (it == held_.end()) {
    return absl::AbortedError("execution " + fence.execution_id +
                              " is not held by this store instance (never claimed here, finished, "
                              "released or lost); the write is refused");
  }
  if (it->second.token != fence.token) {
    return absl::AbortedError("execution " + fence.execution_id + ": fencing token " +
                              std::to_string(fence.token) + " is stale (held under " +
                              std::to_string(it->second.token) + "); the write is refused");
  }
  return &it->second;
}

void OwnedExecutions::Drop(const Fence& fence) {
  auto it = held_.find(fence.execution_id);
  if (it != held_.end() && it->second.token == fence.token) held_.erase(it);
}

namespace {

// Appends the items of `items` that fit to `out` as a JSON array; returns whether all fit.
bool AppendItemsWithin(const sdk::Items& items, int64_t& remaining, std::string& out,
                       int64_t& used) {
  out += '[';
  bool first = true;
  bool all = true;
  for (const sdk::Json& item : items) {
    std::string text = item.dump(-1, ' ', false, sdk::Json::error_handler_t::replace);
    int64_t size = static_cast<int64_t>(text.size());
    if (size > remaining) {
      all = false;
      break;
    }
    remaining -= size;
    used += size;
    if (!first) out += ',';
    first = false;
    out += text;
  }
  out += ']';
  return all;
}

}  // namespace

StoredItems SerializePortsWithin(const std::vector<sdk::Items>& ports, int64_t& remaining) {
  StoredItems stored;
  stored.json += '[';
  for (size_t i = 0; i < ports.size(); ++i) {
    if (i > 0) stored.json += ',';
    if (!AppendItemsWithin(ports[i], remaining, stored.json, stored.bytes)) stored.truncated = true;
  }
  stored.json += ']';
  return stored;
}

StoredItems SerializeItemsWithin(const sdk::Items& items, int64_t& remaining) {
  StoredItems stored;
  stored.truncated = !AppendItemsWithin(items, remaining, stored.json, stored.bytes);
  return stored;
}

StoredItems SerializeOutcomeWithin(const ExecutionOutcome& outcome, int64_t& remaining) {
  if (outcome.output_from.empty()) return SerializeItemsWithin(outcome.output, remaining);
  StoredItems stored;
  stored.json = EncodeOutputReference(outcome.output_from);
  return stored;
}

}  // namespace flowhost::store
