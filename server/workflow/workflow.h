// A compiled workflow: what a YAML workflow file becomes once it has been parsed, validated and
// compiled. Everything an execution needs is prepared here once (node objects, expression trees,
// the wiring as index tables, a topological order), so that running it only evaluates.
//
// Ownership: the loader builds it; it is then immutable and shared (std::shared_ptr<const
// CompiledWorkflow>) by the workflow store and every execution running it. Safe to read from any
// thread.
#ifndef FLOWHOST_SERVER_WORKFLOW_WORKFLOW_H_
#define FLOWHOST_SERVER_WORKFLOW_WORKFLOW_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/retry.h"
#include "server/expr/template.h"
#include "server/workflow/diagnostic.h"

namespace flowhost::workflow {

using sdk::Json;

// A declared workflow input.
struct InputSpec {
  enum class Type { kString, kNumber, kInteger, kBoolean, kObject, kArray };

  std::string name;
  Type type = Type::kString;
  bool required = false;
  std::optional<Json> default_value;
  std::string description;
};

// What the executor does when a node fails after its retries.
enum class OnError {
  kStop,         // the execution fails
  kContinue,     // output 0 gets one item {"error": {...}} per input item; the flow goes on
  kErrorOutput,  // the node gets an extra last output named "error" that carries those items
};

struct NodeSettings {
  sdk::RetryPolicy retry;                 // max_attempts 1: no retry
  std::optional<absl::Duration> timeout;  // per attempt
  OnError on_error = OnError::kStop;
  bool disabled = false;  // a disabled node passes input 0 through to output 0 unchanged
};

// One end of a connection: node index into CompiledWorkflow::nodes and port index.
struct PortRef {
  int node = -1;
  int port = 0;
  bool operator==(const PortRef&) const = default;
};

struct CompiledNode {
  std::string name;
  std::shared_ptr<const sdk::NodeType> type;
  std::shared_ptr<const sdk::Node> node;  // built by NodeType::Create
  // Schema defaults applied, expressions compiled ("x-deferred" parameters kept for the node).
  std::shared_ptr<const expr::CompiledJson> params;
  NodeSettings settings;
  std::vector<sdk::PortInfo> inputs;
  std::vector<sdk::PortInfo> outputs;  // includes the trailing "error" output under kErrorOutput
  std::vector<std::vector<PortRef>> targets;  // per output: the (node, input) ports it feeds
  std::vector<std::vector<PortRef>> sources;  // per input: the (node, output) ports feeding it
  // Invoked by another node through an "x-node-ref" parameter (a router's fallback route); not
  // scheduled by the graph itself.
  bool attached = false;
  // The host credentials the node may read: the names its "x-credential" parameters hold. The
  // executor refuses any other (NodeContext::credential).
  std::vector<std::string> credentials;
  SourceLocation location;  // of the node's entry in the file
};

// What the execution history keeps of a workflow's finished executions (the workflow's
// `history.save`, docs/executions.md): the host's default (store.save), all, only failed (and
// cancelled) ones, or none.
enum class HistorySave { kDefault, kAll, kFailed, kNone };

// What happens to an execution whose server died while it ran (the workflow's `restart_policy`,
// docs/executions.md): resumed from its last finished node by the server that claims it, or
// failed.
enum class RestartPolicy { kResume, kFail };

struct CompiledWorkflow {
  std::string name;
  std::string description;
  HistorySave history_save = HistorySave::kDefault;
  RestartPolicy restart_policy = RestartPolicy::kResume;
  // `expose: openai`: offered as a model of the OpenAI-compatible endpoint (docs/http.md).
  bool expose_openai = false;
  // `max_cost_usd`: what one execution (with its sub-workflows and retries) may spend on paid
  // calls; none when unset.
  std::optional<double> max_cost_usd;
  std::vector<InputSpec> inputs;
  Json vars = Json::object();
  std::vector<CompiledNode> nodes;  // in file order
  absl::flat_hash_map<std::string, int> node_index;
  std::vector<int> start_nodes;  // receive one item, the execution's inputs, on input 0
  std::vector<PortRef> output;   // (node, output) ports whose items, concatenated, are the result
  std::vector<int> topological_order;  // of the non-attached nodes

  std::string source_path;  // as loaded, for messages
  std::string source_text;  // the YAML as loaded
  // A hash of source_text (FNV-1a, 64 bits, 16 hex digits), recorded with each execution so
  // that the history tells which version of the file ran.
  std::string content_hash;
  absl::Time loaded_at;

  // The node called `name`, or nullptr.
  const CompiledNode* FindNode(std::string_view name) const;
};

using WorkflowPtr = std::shared_ptr<const CompiledWorkflow>;

// Checks `inputs` (a JSON object, or null for none) against the workflow's declared inputs and
// returns them with defaults applied. INVALID_ARGUMENT naming every problem: a missing required
// input, a wrong type ("input 'count': expected integer, got string"), an undeclared input.
absl::StatusOr<Json> BindInputs(const CompiledWorkflow& workflow, const Json& inputs);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_WORKFLOW_H_
