// The node SDK's core: what a node type declares about itself, and the asynchronous node interface.
//
// Lifecycle (Envoy's factory pattern):
//   * A NodeType is registered once per process and lives as long as the process. State shared by all
//     executions of all workflows (a catalogue cache, a cool-down table) belongs to it.
//   * When a workflow loads, NodeType::Create checks the node's static parameters and builds a Node: an
//     immutable object shared by every execution of that workflow.
//   * Each time the node runs, the executor calls Node::Execute with a NodeContext; the node starts its
//     work and returns at once, and later calls `done` exactly once, from any thread.
//
// Retries, timeouts and `on_error` belong to the executor, not to nodes: a node just reports failure as a
// classified absl::Status (error.h).
#ifndef FLOWHOST_SDK_NODE_H_
#define FLOWHOST_SDK_NODE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

class NodeContext;

// A named input or output port.
struct PortInfo {
  std::string name;
  std::string description;
};

// What a node type says about itself; listed by `flowhost nodes` and the ListNodeTypes RPC, and used to
// validate workflows.
struct NodeTypeInfo {
  std::string type;         // e.g. "openrouter.chat"; lower-case words joined by '.' or '_'
  int version = 1;
  std::string description;  // one or two sentences
  // A JSON-Schema subset describing `params` (an object schema): type (string, number, integer, boolean,
  // object, array, null, or a list of them), properties, required, additionalProperties (false or a
  // schema), items, enum, default, description, minimum, maximum, minItems, maxItems, minLength, and
  // four extensions: "x-deferred" (see parameters.h), "x-node-ref" (a string naming another node of the
  // workflow that this node may invoke; that node is then not part of the main flow), "x-credential"
  // (a string naming a host credential this node may read with NodeContext::credential; it must be
  // written out, not computed) and "x-field-path" (a string, or a list of strings, naming fields of
  // the input items as dotted paths, like split_out's `field`: the loader checks them as it checks
  // `$json.field`).
  Json parameter_schema = Json{{"type", "object"}, {"properties", Json::object()}};
  // The shape of the items the node emits on its outputs (other than the "error" output), see
  // output_schema.h: exact, open (the default: any field) or pass-through. The loader warns about
  // expressions reading a field that no upstream node can produce.
  Json output_schema = Json{{"type", "object"}};
  std::vector<PortInfo> inputs{{"main", ""}};   // empty for a node that only starts flows
  std::vector<PortInfo> outputs{{"main", ""}};
};

// What a node produces: one list of items per output port, indexed like the node's outputs. Fewer lists
// than outputs means the missing outputs are empty (a branch not taken).
struct NodeResult {
  std::vector<Items> outputs;
};

using NodeDone = absl::AnyInvocable<void(absl::StatusOr<NodeResult>)>;

// A configured node, shared read-only by all executions of its workflow.
// Thread-safety: Execute is called concurrently from many executions; it must not mutate the Node.
class Node {
 public:
  virtual ~Node() = default;

  // Starts the node's work for one execution. `context` stays valid until `done` is called. `done` must
  // be called exactly once, from any thread, and not after the node has already reported completion.
  // When the context's cancellation fires, finish promptly with its reason().
  virtual void Execute(NodeContext& context, NodeDone done) const = 0;

  // Ports that depend on the parameters (a `switch` has one output per rule). nullopt: the type's.
  virtual std::optional<std::vector<PortInfo>> inputs() const { return std::nullopt; }
  virtual std::optional<std::vector<PortInfo>> outputs() const { return std::nullopt; }
  // The shape of the node's output items when it follows from the parameters (a `set` node's
  // `values`); nullopt: the type's NodeTypeInfo::output_schema.
  virtual std::optional<Json> output_schema() const { return std::nullopt; }
};

// What NodeType::Create sees of a node in a workflow file.
class NodeConfig {
 public:
  virtual ~NodeConfig() = default;

  // The node's unique name in its workflow.
  virtual const std::string& name() const = 0;

  // The parameters as written, schema defaults filled in, already checked against the schema. A value
  // holding an expression is its source text; IsDynamic(pointer) tells such values apart.
  virtual const Json& params() const = 0;

  // True when the value at JSON pointer `pointer` (or anything inside it) is computed at run time.
  virtual bool IsDynamic(std::string_view pointer) const = 0;

  // True when the host promises that every run's Parameters::ForItem returns params() exactly, for
  // every item: nothing is evaluated per run (no expression, or only deferred ones). A node may
  // then read its parameters here, once. False when they may vary or the host cannot tell.
  virtual bool ParamsAreFixed() const { return false; }

  // Reports a problem with the parameter at `pointer` ("" for the node as a whole). The host turns it
  // into a FILE:LINE:COL diagnostic. Create should keep going and report every problem it finds.
  virtual void Error(std::string_view pointer, std::string_view message) = 0;
  virtual void Warning(std::string_view pointer, std::string_view message) = 0;
};

// A kind of node. Registered once; lives for the whole process.
// Thread-safety: info() and Create() may be called from any thread, concurrently.
class NodeType {
 public:
  virtual ~NodeType() = default;

  virtual const NodeTypeInfo& info() const = 0;

  // Builds the node for one place in a workflow. On a problem, report it through config.Error and
  // return nullptr (or return a node anyway if checking can go on; any Error fails the workflow).
  virtual std::unique_ptr<Node> Create(NodeConfig& config) const = 0;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_NODE_H_
