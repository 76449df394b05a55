// The NodeConfig a node type's Create sees while a workflow loads: the node's name and parameters,
// and Error/Warning calls that become diagnostics at the parameter they name.
//
// Ownership: views everything it is given; lives for one Create call, on the loading thread.
#ifndef FLOWHOST_SERVER_WORKFLOW_NODE_CONFIG_ADAPTER_H_
#define FLOWHOST_SERVER_WORKFLOW_NODE_CONFIG_ADAPTER_H_

#include <string>
#include <string_view>

#include "flowhost/sdk/node.h"
#include "server/expr/template.h"
#include "server/workflow/reporter.h"

namespace flowhost::workflow {

class NodeConfigAdapter final : public sdk::NodeConfig {
 public:
  // `compiled` may be null (an expression failed to compile); dynamic values are then recognised by
  // their `{{`. `params_pointer` is where the params live in the document ("/nodes/3/params").
  NodeConfigAdapter(const std::string& name, const sdk::Json& params,
                    const expr::CompiledJson* compiled, std::string params_pointer,
                    Reporter& reporter);

  const std::string& name() const override { return name_; }
  const sdk::Json& params() const override { return params_; }
  bool IsDynamic(std::string_view pointer) const override;
  // The executor's NodeParameters hands static compiled parameters over as they are.
  bool ParamsAreFixed() const override { return compiled_ != nullptr && compiled_->is_static(); }
  void Error(std::string_view pointer, std::string_view message) override;
  void Warning(std::string_view pointer, std::string_view message) override;

  int errors() const { return errors_; }

 private:
  std::string DocumentPointer(std::string_view pointer) const;

  const std::string& name_;
  const sdk::Json& params_;
  const expr::CompiledJson* compiled_;
  std::string params_pointer_;
  Reporter& reporter_;
  int errors_ = 0;
};

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_NODE_CONFIG_ADAPTER_H_
