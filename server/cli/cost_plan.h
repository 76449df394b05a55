// What a workflow could cost, from the model catalogue's prices, without running it
// (`flowhost plan`, docs/cli.md). Each paid node (openrouter.chat, router.fallback, and
// execute_workflow through the workflow it runs) gets two figures per item that reaches it:
//
//   expected  the node runs once, a router's first route answers (a query route: its first pick),
//             the prompt has `prompt_tokens` tokens and the answer `answer_tokens` (or the
//             completion cap, when smaller);
//   worst     every retry (`retry.attempts`) and every route (with its `attempts`) is paid
//             for, each answer as long as the cap allows: `max_tokens`, else the model's
//             completion limit, else its context length less the prompt. A router's own
//             max_cost_usd caps it.
//
// A path is one way through the graph from a start node to a node with no successor; the figures
// of the nodes on it add up. Parallel branches that all run are separate paths; `every node` adds
// up every node once. Prompt sizes are assumptions: prompts are usually templates filled at run
// time. A figure that cannot be known (a model chosen by an expression, a model missing from the
// catalogue, a price it does not give) makes the node's figures unknown and says why.
//
// Thread-safety: a pure function of its arguments.
#ifndef FLOWHOST_SERVER_CLI_COST_PLAN_H_
#define FLOWHOST_SERVER_CLI_COST_PLAN_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/json.h"
#include "server/workflow/workflow.h"

namespace flowhost::cli {

struct PlanAssumptions {
  int64_t prompt_tokens = 1000;  // every call's prompt
  int64_t answer_tokens = 500;   // an expected answer (capped by the completion cap)
};

// Two figures in USD; nullopt when unknown.
struct CostRange {
  std::optional<double> expected = 0.0;
  std::optional<double> worst = 0.0;

  // Adds `other` (unknown stays unknown).
  void Add(const CostRange& other);
};

struct NodeCost {
  std::string node;
  std::string type;
  CostRange cost;
  std::string detail;  // how the figures were reached, or why they are unknown
};

struct PathCost {
  std::vector<std::string> nodes;
  CostRange cost;
};

struct CostPlan {
  std::string workflow;
  std::optional<double> max_cost_usd;  // the workflow's budget
  std::vector<NodeCost> nodes;         // the paid nodes, in file order
  std::vector<PathCost> paths;
  bool paths_truncated = false;  // more than kMaxPaths paths: the first ones are listed
  CostRange every_node;          // every scheduled node once

  sdk::Json ToJson() const;
};

inline constexpr size_t kMaxPaths = 64;

// Finds a workflow an execute_workflow node names, or null (it is then left out, saying so).
using FindWorkflow = std::function<workflow::WorkflowPtr(std::string_view name)>;

CostPlan PlanCosts(const workflow::CompiledWorkflow& workflow,
                   const nodes::openrouter::Catalogue& catalogue,
                   const PlanAssumptions& assumptions, const FindWorkflow& find_workflow);

// The plan as text: the assumptions, a table of the paid nodes, one of the paths, and the budget.
std::string FormatCostPlan(const CostPlan& plan, const PlanAssumptions& assumptions);

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_COST_PLAN_H_
