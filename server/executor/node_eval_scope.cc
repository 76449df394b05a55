#include "server/executor/node_eval_scope.h"

namespace flowhost::executor {
namespace {

const sdk::Json& EmptyObject() {
  static const sdk::Json* const kEmpty = new sdk::Json(sdk::Json::object());
  return *kEmpty;
}

}  // namespace

NodeEvalScope::NodeEvalScope(const ExecutionView& view, const sdk::Items& input, size_t index,
                             const sdk::Json* json)
    : view_(view), input_(input), index_(index), json_(json) {
  if (json_ == nullptr) json_ = index < input.size() ? &input[index] : &EmptyObject();
}

const sdk::Items* NodeEvalScope::node_output(std::string_view name) const {
  auto it = outputs_.find(name);
  if (it == outputs_.end()) it = outputs_.emplace(std::string(name), view_.NodeOutputs(name)).first;
  if (it->second == nullptr || it->second->empty()) return nullptr;
  return &it->second->front();
}

}  // namespace flowhost::executor
