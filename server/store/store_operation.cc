#include "server/store/store_operation.h"

#include <utility>

namespace flowhost::store {

bool IsRead(const Operation& op) {
  return std::holds_alternative<GetOp>(op) || std::holds_alternative<ListOp>(op) ||
         std::holds_alternative<EventsOp>(op) || std::holds_alternative<RouteReadOp>(op);
}

void FailOperation(Operation& op, const absl::Status& status) {
  std::visit(
      [&status](auto& o) {
        if (o.done) std::move(o.done)(status);
        o.done = nullptr;
      },
      op);
}

}  // namespace flowhost::store
