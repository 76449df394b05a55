// `openrouter.models`: lists OpenRouter's model catalogue from the process-wide cache
// (OpenRouterClient::GetCatalogue), filtered, sorted and limited (model_query.h), one output item
// per model with normalised fields. Runs once per input item and concatenates the lists (one input
// item, the usual case, gives one list).
//
// Thread-safety: the type and its nodes are immutable; Execute runs concurrently for many
// executions.
#ifndef FLOWHOST_NODES_OPENROUTER_MODELS_NODE_H_
#define FLOWHOST_NODES_OPENROUTER_MODELS_NODE_H_

#include <memory>

#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/node.h"

namespace flowhost::nodes::openrouter {

class ModelsNodeType : public sdk::NodeType {
 public:
  explicit ModelsNodeType(std::shared_ptr<OpenRouterClient> client);

  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override;

 private:
  std::shared_ptr<OpenRouterClient> client_;
  sdk::NodeTypeInfo info_;
};

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_MODELS_NODE_H_
