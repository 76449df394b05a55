#include "server/workflow/graph_checks.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <queue>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/workflow/json_pointer.h"

namespace flowhost::workflow {
namespace {

class Graph {
 public:
  Graph(size_t size, const std::vector<Edge>& edges) : successors_(size), predecessors_(size) {
    for (const Edge& edge : edges) {
      auto& out = successors_[static_cast<size_t>(edge.from)];
      if (std::find(out.begin(), out.end(), edge.to) != out.end()) continue;
      out.push_back(edge.to);
      predecessors_[static_cast<size_t>(edge.to)].push_back(edge.from);
    }
  }

  size_t size() const { return successors_.size(); }
  const std::vector<int>& successors(int v) const { return successors_[static_cast<size_t>(v)]; }
  const std::vector<int>& predecessors(int v) const {
    return predecessors_[static_cast<size_t>(v)];
  }

  // Every node with a path of at least one edge to `v` (v itself when it is on a cycle).
  std::vector<bool> Ancestors(int v) const {
    std::vector<bool> seen(size(), false);
    std::deque<int> queue(predecessors(v).begin(), predecessors(v).end());
    for (int p : predecessors(v)) seen[static_cast<size_t>(p)] = true;
    while (!queue.empty()) {
      int u = queue.front();
      queue.pop_front();
      for (int p : predecessors(u)) {
        if (!seen[static_cast<size_t>(p)]) {
          seen[static_cast<size_t>(p)] = true;
          queue.push_back(p);
        }
      }
    }
    return seen;
  }

  // The shortest cycle through `v` using only nodes in `allowed`: v, ..., u (u -> v closes it).
  std::vector<int> ShortestCycle(int v, const std::vector<bool>& allowed) const {
    std::vector<int> parent(size(), -1);
    std::vector<bool> seen(size(), false);
    std::deque<int> queue{v};
    seen[static_cast<size_t>(v)] = true;
    while (!queue.empty()) {
      int u = queue.front();
      queue.pop_front();
      for (int w : successors(u)) {
        if (w == v) {
          std::vector<int> path;
          for (int at = u; at != -1; at = parent[static_cast<size_t>(at)]) path.push_back(at);
          std::reverse(path.begin(), path.end());
          return path;
        }
        if (!seen[static_cast<size_t>(w)] && allowed[static_cast<size_t>(w)]) {
          seen[static_cast<size_t>(w)] = true;
          parent[static_cast<size_t>(w)] = u;
          queue.push_back(w);
        }
      }
    }
    return {v};
  }

 private:
  std::vector<std::vector<int>> successors_;
  std::vector<std::vector<int>> predecessors_;
};

const std::string& NameOf(const WorkflowDraft& draft, int node) {
  return draft.nodes[static_cast<size_t>(node)].name;
}

void ReportCycles(const WorkflowDraft& draft, const Graph& graph, const Wiring& wiring,
                  std::vector<std::vector<bool>>& ancestors, Reporter& reporter,
                  GraphFacts& facts) {
  std::vector<bool> reported(graph.size(), false);
  for (size_t v = 0; v < graph.size(); ++v) {
    if (!ancestors[v][v] || reported[v]) continue;
    facts.acyclic = false;
    // v's strongly connected component: the nodes on some cycle with it.
    std::vector<bool> component(graph.size(), false);
    for (size_t u = 0; u < graph.size(); ++u) {
      if (ancestors[v][u] && ancestors[u][v]) component[u] = reported[u] = true;
    }
    std::vector<int> cycle = graph.ShortestCycle(static_cast<int>(v), component);
    std::string names;
    for (int node : cycle) absl::StrAppend(&names, NameOf(draft, node), " -> ");
    absl::StrAppend(&names, NameOf(draft, static_cast<int>(v)));
    // Point at the connection that closes the cycle.
    std::string pointer = draft.nodes[static_cast<size_t>(cycle.back())].pointer;
    for (const Edge& edge : wiring.edges) {
      if (edge.from == cycle.back() && edge.to == static_cast<int>(v)) {
        pointer = edge.pointer;
        break;
      }
    }
    reporter.Error(pointer, absl::StrCat("cycle: ", names, " (a workflow must be acyclic)"));
  }
}

std::vector<int> TopologicalOrder(const Graph& graph, const std::vector<CompiledNode>& nodes) {
  std::vector<int> remaining(graph.size(), 0);
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (size_t v = 0; v < graph.size(); ++v) {
    remaining[v] = static_cast<int>(graph.predecessors(static_cast<int>(v)).size());
    if (remaining[v] == 0 && !nodes[v].attached) ready.push(static_cast<int>(v));
  }
  std::vector<int> order;
  while (!ready.empty()) {
    int v = ready.top();
    ready.pop();
    order.push_back(v);
    for (int w : graph.successors(v)) {
      if (--remaining[static_cast<size_t>(w)] == 0) ready.push(w);
    }
  }
  return order;
}

// An attached node runs inside the nodes that invoke it, so it sees what they see and can run when
// one of them can. Invokers may themselves be attached; iterate to a fixed point.
void PropagateToAttached(const Wiring& wiring, GraphFacts& facts) {
  size_t size = facts.upstream.size();
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t a = 0; a < size; ++a) {
      for (int invoker : wiring.invokers[a]) {
        const std::vector<bool>& seen = facts.upstream[static_cast<size_t>(invoker)];
        for (size_t u = 0; u < size; ++u) {
          if (seen[u] && !facts.upstream[a][u] && u != a) {
            facts.upstream[a][u] = true;
            changed = true;
          }
        }
        if (facts.can_run[static_cast<size_t>(invoker)] && !facts.can_run[a]) {
          facts.can_run[a] = true;
          changed = true;
        }
      }
    }
  }
}

}  // namespace

GraphFacts CheckGraph(const WorkflowDraft& draft, const std::vector<CompiledNode>& nodes,
                      const Wiring& wiring, Reporter& reporter) {
  GraphFacts facts;
  Graph graph(nodes.size(), wiring.edges);
  std::vector<std::vector<bool>> ancestors(nodes.size());
  for (size_t v = 0; v < nodes.size(); ++v) ancestors[v] = graph.Ancestors(static_cast<int>(v));
  ReportCycles(draft, graph, wiring, ancestors, reporter, facts);
  if (facts.acyclic) facts.topological_order = TopologicalOrder(graph, nodes);

  facts.upstream = std::move(ancestors);
  for (size_t v = 0; v < nodes.size(); ++v) facts.upstream[v][v] = false;

  facts.can_run.assign(nodes.size(), false);
  std::deque<int> queue(wiring.start_nodes.begin(), wiring.start_nodes.end());
  for (int start : wiring.start_nodes) facts.can_run[static_cast<size_t>(start)] = true;
  while (!queue.empty()) {
    int v = queue.front();
    queue.pop_front();
    for (int w : graph.successors(v)) {
      if (!facts.can_run[static_cast<size_t>(w)]) {
        facts.can_run[static_cast<size_t>(w)] = true;
        queue.push_back(w);
      }
    }
  }
  PropagateToAttached(wiring, facts);

  // Without a start node (its declaration is wrong) everything would be "unreachable": say nothing.
  if (wiring.start_nodes.empty()) return facts;
  for (size_t v = 0; v < nodes.size(); ++v) {
    bool start = std::find(wiring.start_nodes.begin(), wiring.start_nodes.end(),
                           static_cast<int>(v)) != wiring.start_nodes.end();
    if (start || nodes[v].attached || draft.nodes[v].name.empty() ||
        !graph.predecessors(static_cast<int>(v)).empty()) {
      continue;
    }
    reporter.Warning(ChildPointer(draft.nodes[v].pointer, "name"),
                     absl::StrCat("node '", draft.nodes[v].name,
                                  "' is unreachable: it is not a start node and no node connects "
                                  "to it"));
  }
  for (size_t k = 0; k < wiring.output.size(); ++k) {
    int node = wiring.output[k].node;
    if (facts.can_run[static_cast<size_t>(node)]) continue;
    reporter.Warning(wiring.output_pointers[k],
                     absl::StrCat("the workflow's output comes from node '", NameOf(draft, node),
                                  "', which can never run"));
  }
  return facts;
}

}  // namespace flowhost::workflow
