// `openrouter.chat`: one chat completion per input item, through OpenRouter.
//
// Items are processed concurrently, up to `concurrency` at a time; the output has one item per
// input item, in order (content, reasoning, tool_calls, model, provider, finish_reason, usage,
// cost_usd, generation_id, latency_ms). When a caller listens for tokens (or `stream: true`), the
// answer is streamed over SSE and each piece goes to the execution's event sink as it arrives.
// Every upstream call is reported with RecordAttempt. Under a workflow's `max_cost_usd` each call's
// worst case (catalogue prices) is reserved from the execution's budget first, and the call is not
// made when it does not fit (RESOURCE_EXHAUSTED); its actual cost is charged after. A failure is a
// classified error (flowhost/openrouter/client.h) and fails the node; the executor's `retry` and
// `on_error` settings decide what happens next.
//
// Thread-safety: the type and its nodes are immutable; Execute runs concurrently for many
// executions.
#ifndef FLOWHOST_NODES_OPENROUTER_CHAT_NODE_H_
#define FLOWHOST_NODES_OPENROUTER_CHAT_NODE_H_

#include <memory>

#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/node.h"

namespace flowhost::nodes::openrouter {

// The full parameter schema of `openrouter.chat`: the client's chat settings and model properties,
// plus `credential`, `stream` and `concurrency`.
sdk::Json ChatNodeSchema();

class ChatNodeType : public sdk::NodeType {
 public:
  explicit ChatNodeType(std::shared_ptr<OpenRouterClient> client);

  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override;

 private:
  std::shared_ptr<OpenRouterClient> client_;
  sdk::NodeTypeInfo info_;
};

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_CHAT_NODE_H_
