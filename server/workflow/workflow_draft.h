// What the document checks read out of a workflow file before any node is compiled: the top-level
// fields, the declared inputs, and for every node its name, type, raw parameters and settings.
// Values that failed their checks are left empty (the problem has been reported); later stages skip
// what they cannot check.
//
// Ownership: plain data; `next`, `start` and `output` point into the YamlDocument it was read from,
// which must outlive it. Used by one load, on one thread.
#ifndef FLOWHOST_SERVER_WORKFLOW_WORKFLOW_DRAFT_H_
#define FLOWHOST_SERVER_WORKFLOW_WORKFLOW_DRAFT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "flowhost/sdk/json.h"
#include "server/workflow/workflow.h"

namespace flowhost::workflow {

struct NodeDraft {
  std::string pointer;                     // "/nodes/3"
  std::string name;                        // empty when missing or invalid
  std::string type;                        // empty when missing or not a string
  sdk::Json params = sdk::Json::object();  // as written; {} when absent or not a mapping
  bool params_valid = true;                // false when `params` was not a mapping (reported)
  NodeSettings settings;
  const sdk::Json* next = nullptr;  // the wiring as written, or null
};

struct WorkflowDraft {
  std::string name;
  std::string description;
  std::vector<InputSpec> inputs;                                 // in file order
  absl::flat_hash_map<std::string, std::string> input_pointers;  // input name -> its pointer
  sdk::Json vars = sdk::Json::object();
  HistorySave history_save = HistorySave::kDefault;
  RestartPolicy restart_policy = RestartPolicy::kResume;
  bool expose_openai = false;
  std::optional<double> max_cost_usd;
  const sdk::Json* start = nullptr;   // as written, or null
  const sdk::Json* output = nullptr;  // as written, or null
  // False when the node list is missing, malformed or over the limit: nothing past the document
  // checks can run.
  bool nodes_usable = false;
  std::vector<NodeDraft> nodes;
  absl::flat_hash_map<std::string, int> node_index;  // each valid name -> its first node
};

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_WORKFLOW_DRAFT_H_
