#include "server/cli/cost_plan.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "flowhost/openrouter/model_query.h"
#include "re2/re2.h"

namespace flowhost::cli {
namespace {

using nodes::openrouter::Catalogue;
using nodes::openrouter::CatalogueModel;
using sdk::Json;

// A query route tries this many of its matches when its query sets no `limit` (the router's
// default, docs/routing.md).
constexpr size_t kDefaultQueryModels = 3;
// execute_workflow chains deeper than this are left out (the executor's default depth limit).
constexpr int kMaxDepth = 8;

std::string Usd(std::optional<double> usd) {
  return usd.has_value() ? absl::StrFormat("$%.6f", *usd) : std::string("unknown");
}

Json UsdJson(std::optional<double> usd) { return usd.has_value() ? Json(*usd) : Json(); }

CostRange Unknown() { return CostRange{std::nullopt, std::nullopt}; }

std::optional<double> Times(std::optional<double> usd, double factor) {
  if (!usd.has_value()) return std::nullopt;
  return *usd * factor;
}

struct Figures {
  CostRange cost;
  std::string detail;
};

// The value of a parameter written as exactly "{{ $vars.NAME }}" (the workflow's constant) or
// "{{ $inputs.NAME }}" (that input's default), with a note saying which; nullopt for anything else.
std::optional<std::pair<Json, std::string>> ConstantOf(const workflow::CompiledWorkflow& workflow,
                                                       const std::string& text) {
  static const re2::LazyRE2 kReference = {
      R"(^\{\{\s*\$(vars|inputs)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$)"};
  std::string scope, name;
  if (!re2::RE2::FullMatch(text, *kReference, &scope, &name)) return std::nullopt;
  if (scope == "vars") {
    if (!workflow.vars.contains(name)) return std::nullopt;
    return std::make_pair(workflow.vars[name], absl::StrCat("$vars.", name));
  }
  for (const workflow::InputSpec& input : workflow.inputs) {
    if (input.name == name && input.default_value.has_value()) {
      return std::make_pair(*input.default_value,
                            absl::StrCat("the default of input '", name, "'"));
    }
  }
  return std::nullopt;
}

class Planner {
 public:
  Planner(const Catalogue& catalogue, const PlanAssumptions& assumptions,
          const FindWorkflow& find_workflow)
      : catalogue_(catalogue), assumptions_(assumptions), find_workflow_(find_workflow) {}

  CostPlan Plan(const workflow::CompiledWorkflow& workflow, int depth) {
    CostPlan plan;
    plan.workflow = workflow.name;
    plan.max_cost_usd = workflow.max_cost_usd;
    std::vector<CostRange> per_node(workflow.nodes.size());
    for (size_t i = 0; i < workflow.nodes.size(); ++i) {
      const workflow::CompiledNode& node = workflow.nodes[i];
      if (node.attached) continue;  // paid for by the router that invokes it
      std::optional<Figures> figures = NodeFigures(workflow, node, depth);
      if (!figures.has_value()) continue;
      // The executor retries the whole node: each attempt may pay again.
      const int attempts = std::max(1, node.settings.retry.max_attempts);
      figures->cost.worst = Times(figures->cost.worst, attempts);
      if (attempts > 1) {
        absl::StrAppend(&figures->detail, "; worst x", attempts, " attempts (retry)");
      }
      per_node[i] = figures->cost;
      plan.nodes.push_back(
          NodeCost{node.name, node.type->info().type, figures->cost, std::move(figures->detail)});
    }
    for (size_t i = 0; i < workflow.nodes.size(); ++i) {
      if (!workflow.nodes[i].attached) plan.every_node.Add(per_node[i]);
    }
    std::vector<int> path;
    for (int start : workflow.start_nodes) Walk(workflow, per_node, start, path, plan);
    return plan;
  }

 private:
  // Depth-first from `node` to the nodes without successors.
  void Walk(const workflow::CompiledWorkflow& workflow, const std::vector<CostRange>& per_node,
            int node, std::vector<int>& path, CostPlan& plan) {
    if (plan.paths.size() >= kMaxPaths) {
      plan.paths_truncated = true;
      return;
    }
    path.push_back(node);
    std::set<int> next;
    for (const auto& port : workflow.nodes[node].targets) {
      for (const workflow::PortRef& target : port) next.insert(target.node);
    }
    if (next.empty()) {
      PathCost cost;
      for (int step : path) {
        cost.nodes.push_back(workflow.nodes[step].name);
        cost.cost.Add(per_node[step]);
      }
      plan.paths.push_back(std::move(cost));
    }
    for (int target : next) Walk(workflow, per_node, target, path, plan);
    path.pop_back();
  }

  // The figures of a paid node, nullopt for one that calls nothing paid.
  std::optional<Figures> NodeFigures(const workflow::CompiledWorkflow& workflow,
                                     const workflow::CompiledNode& node, int depth) {
    const std::string& type = node.type->info().type;
    const Json& params = node.params->raw();
    auto dynamic = [&node](const std::string& pointer) { return node.params->IsDynamic(pointer); };
    if (type == "openrouter.chat") return ChatFigures(workflow, params, params, "", dynamic);
    if (type == "router.fallback") return RouterFigures(workflow, params, dynamic, depth);
    if (type == "execute_workflow") return SubWorkflowFigures(params, dynamic, depth);
    return std::nullopt;
  }

  // One chat call: `route` names the model(s) (`model`, `models`), `shared` gives max_tokens when
  // the route does not (a router's shared settings); `prefix` is the route's pointer.
  Figures ChatFigures(const workflow::CompiledWorkflow& workflow, const Json& route,
                      const Json& shared, const std::string& prefix,
                      const std::function<bool(const std::string&)>& dynamic) {
    std::vector<std::string> ids;
    std::string resolved_from;
    if (dynamic(prefix + "/model")) {
      auto it = route.find("model");
      std::optional<std::pair<Json, std::string>> constant =
          it != route.end() && it->is_string() ? ConstantOf(workflow, it->get<std::string>())
                                               : std::nullopt;
      if (!constant.has_value() || !constant->first.is_string()) {
        return {Unknown(), "the model is chosen by an expression at run time"};
      }
      ids.push_back(constant->first.get<std::string>());
      resolved_from = constant->second;
    } else if (auto it = route.find("model"); it != route.end() && it->is_string()) {
      ids.push_back(it->get<std::string>());
    }
    if (dynamic(prefix + "/models")) {
      return {Unknown(), "the models are chosen by an expression at run time"};
    }
    if (auto it = route.find("models"); it != route.end() && it->is_array()) {
      for (const Json& id : *it) {
        if (id.is_string()) ids.push_back(id.get<std::string>());
      }
    }
    if (ids.empty()) return {Unknown(), "no model is named"};
    std::optional<int64_t> max_tokens;
    for (const auto& [source, pointer] :
         {std::pair<const Json*, std::string>{&route, prefix + "/max_tokens"},
          std::pair<const Json*, std::string>{&shared, "/max_tokens"}}) {
      auto it = source->find("max_tokens");
      if (it != source->end() && it->is_number_integer() && !dynamic(pointer)) {
        max_tokens = it->get<int64_t>();
        break;
      }
    }
    Figures out;
    out.cost.worst = 0.0;
    std::vector<std::string> details;
    for (size_t i = 0; i < ids.size(); ++i) {
      const CatalogueModel* model = catalogue_.Find(ids[i]);
      if (model == nullptr) {
        return {Unknown(), absl::StrCat("'", ids[i], "' is not in the catalogue")};
      }
      const int64_t prompt = assumptions_.prompt_tokens;
      int64_t cap = max_tokens.value_or(model->max_completion_tokens > 0
                                            ? model->max_completion_tokens
                                            : std::max<int64_t>(0, model->context_length - prompt));
      std::optional<double> worst = model->CostOf(prompt, cap);
      std::optional<double> expected =
          model->CostOf(prompt, std::min(assumptions_.answer_tokens, cap));
      if (!worst.has_value() || !expected.has_value()) {
        return {Unknown(), absl::StrCat("the catalogue gives no price for '", ids[i], "'")};
      }
      // OpenRouter bills the one model of `models` that answers: the dearest bounds it.
      out.cost.worst = std::max(*out.cost.worst, *worst);
      if (i == 0) out.cost.expected = expected;
      details.push_back(absl::StrCat(ids[i], " (answer up to ", cap, " tokens)"));
    }
    out.detail = absl::StrJoin(details, ", ");
    if (!resolved_from.empty()) absl::StrAppend(&out.detail, ", from ", resolved_from);
    return out;
  }

  Figures RouterFigures(const workflow::CompiledWorkflow& workflow, const Json& params,
                        const std::function<bool(const std::string&)>& dynamic, int depth) {
    auto routes = params.find("routes");
    if (routes == params.end() || !routes->is_array() || dynamic("/routes")) {
      return {Unknown(), "the routes are computed at run time"};
    }
    Figures out;
    bool first_answer_found = false;
    std::vector<std::string> details;
    for (size_t i = 0; i < routes->size(); ++i) {
      const Json& route = (*routes)[i];
      const std::string prefix = absl::StrCat("/routes/", i);
      int attempts = 1;
      if (auto it = route.find("attempts"); it != route.end() && it->is_number_integer()) {
        attempts = std::max<int>(1, it->get<int>());
      }
      std::vector<Figures> tries;  // what this route may call, in order
      std::string label;
      if (auto query = route.find("query"); query != route.end() && query->is_object()) {
        label = absl::StrCat("query route '", route.value("name", prefix), "'");
        absl::StatusOr<nodes::openrouter::ModelQuery> parsed =
            nodes::openrouter::ModelQuery::FromParams(*query);
        if (!parsed.ok()) return {Unknown(), absl::StrCat(label, ": ", parsed.status().message())};
        size_t limit = query->contains("limit") ? parsed->limit : kDefaultQueryModels;
        parsed->limit = 0;
        const absl::Time now = absl::Now();
        std::vector<std::string> picks;
        for (const CatalogueModel* model : parsed->Run(catalogue_)) {
          if (model->ExpiredAt(now)) continue;
          if (limit > 0 && picks.size() >= limit) break;
          Json chat = route;
          chat.erase("query");
          chat["model"] = model->id;
          tries.push_back(ChatFigures(workflow, chat, params, prefix, dynamic));
          picks.push_back(model->id);
        }
        absl::StrAppend(&label, " picks [", absl::StrJoin(picks, ", "), "] today");
      } else if (auto node = route.find("node"); node != route.end() && node->is_string()) {
        label = absl::StrCat("node route '", node->get<std::string>(), "'");
        const workflow::CompiledNode* invoked = workflow.FindNode(node->get<std::string>());
        std::optional<Figures> figures =
            invoked != nullptr ? NodeFigures(workflow, *invoked, depth) : std::nullopt;
        tries.push_back(figures.value_or(Figures{}));
      } else {
        tries.push_back(ChatFigures(workflow, route, params, prefix, dynamic));
        label = tries.back().detail;
      }
      for (const Figures& figures : tries) {
        out.cost.worst =
            figures.cost.worst.has_value() && out.cost.worst.has_value()
                ? std::optional<double>(*out.cost.worst + *figures.cost.worst * attempts)
                : std::nullopt;
        if (!first_answer_found) {
          out.cost.expected = figures.cost.expected;
          first_answer_found = true;
        }
        if (!figures.cost.worst.has_value()) label = figures.detail;
      }
      details.push_back(absl::StrCat(label, attempts > 1 ? absl::StrCat(" x", attempts) : ""));
    }
    out.detail = absl::StrCat("routes: ", absl::StrJoin(details, "; "));
    if (auto ceiling = params.find("max_cost_usd");
        ceiling != params.end() && ceiling->is_number() && !dynamic("/max_cost_usd") &&
        out.cost.worst.has_value() && *out.cost.worst > ceiling->get<double>()) {
      out.cost.worst = ceiling->get<double>();
      absl::StrAppend(&out.detail, "; worst capped by the router's max_cost_usd");
    }
    return out;
  }

  Figures SubWorkflowFigures(const Json& params,
                             const std::function<bool(const std::string&)>& dynamic, int depth) {
    auto name = params.find("workflow");
    if (name == params.end() || !name->is_string() || dynamic("/workflow")) {
      return {Unknown(), "the workflow to run is chosen at run time"};
    }
    const std::string child_name = name->get<std::string>();
    if (depth >= kMaxDepth) {
      return {Unknown(), absl::StrCat("workflow '", child_name, "' is past the depth limit")};
    }
    workflow::WorkflowPtr child = find_workflow_ ? find_workflow_(child_name) : nullptr;
    if (child == nullptr) {
      return {Unknown(), absl::StrCat("workflow '", child_name, "' was not found beside this one")};
    }
    CostPlan plan = Plan(*child, depth + 1);
    return {plan.every_node,
            absl::StrCat("runs workflow '", child_name, "' (every node of it once)")};
  }

  const Catalogue& catalogue_;
  const PlanAssumptions& assumptions_;
  const FindWorkflow& find_workflow_;
};

Json RangeJson(const CostRange& range) {
  return Json{{"expected_usd", UsdJson(range.expected)}, {"worst_usd", UsdJson(range.worst)}};
}

}  // namespace

void CostRange::Add(const CostRange& other) {
  expected = expected.has_value() && other.expected.has_value()
                 ? std::optional<double>(*expected + *other.expected)
                 : std::nullopt;
  worst = worst.has_value() && other.worst.has_value()
              ? std::optional<double>(*worst + *other.worst)
              : std::nullopt;
}

CostPlan PlanCosts(const workflow::CompiledWorkflow& workflow, const Catalogue& catalogue,
                   const PlanAssumptions& assumptions, const FindWorkflow& find_workflow) {
  return Planner(catalogue, assumptions, find_workflow).Plan(workflow, 0);
}

Json CostPlan::ToJson() const {
  Json out{{"workflow", workflow},
           {"max_cost_usd", UsdJson(max_cost_usd)},
           {"every_node", RangeJson(every_node)},
           {"paths_truncated", paths_truncated}};
  out["nodes"] = Json::array();
  for (const NodeCost& node : nodes) {
    Json entry = RangeJson(node.cost);
    entry["node"] = node.node;
    entry["type"] = node.type;
    entry["detail"] = node.detail;
    out["nodes"].push_back(std::move(entry));
  }
  out["paths"] = Json::array();
  for (const PathCost& path : paths) {
    Json entry = RangeJson(path.cost);
    entry["nodes"] = path.nodes;
    out["paths"].push_back(std::move(entry));
  }
  return out;
}

std::string FormatCostPlan(const CostPlan& plan, const PlanAssumptions& assumptions) {
  std::string out = absl::StrCat("plan for workflow '", plan.workflow, "', per item\n");
  absl::StrAppend(&out, "  expected: each node once, a router's first route answers; prompts of ",
                  assumptions.prompt_tokens, " tokens, answers of ", assumptions.answer_tokens,
                  " tokens (or the cap)\n",
                  "  worst:    every retry and every route paid for, each answer as long as its "
                  "cap (max_tokens, else the model's limit)\n\n");
  if (plan.nodes.empty()) absl::StrAppend(&out, "no node calls a paid model\n");
  for (const NodeCost& node : plan.nodes) {
    absl::StrAppend(&out, absl::StrFormat("node %-20s %-17s expected %-12s worst %-12s %s\n",
                                          node.node, node.type, Usd(node.cost.expected),
                                          Usd(node.cost.worst), node.detail));
  }
  absl::StrAppend(&out, "\n");
  for (const PathCost& path : plan.paths) {
    absl::StrAppend(&out, absl::StrFormat("path %-40s expected %-12s worst %s\n",
                                          absl::StrJoin(path.nodes, " -> "),
                                          Usd(path.cost.expected), Usd(path.cost.worst)));
  }
  if (plan.paths_truncated) absl::StrAppend(&out, "(only the first ", kMaxPaths, " paths)\n");
  absl::StrAppend(&out, absl::StrFormat("every node once: expected %s, worst %s\n",
                                        Usd(plan.every_node.expected), Usd(plan.every_node.worst)));
  if (plan.max_cost_usd.has_value()) {
    const bool fits =
        plan.every_node.worst.has_value() && *plan.every_node.worst <= *plan.max_cost_usd;
    absl::StrAppend(&out, absl::StrFormat("max_cost_usd %s: %s\n", Usd(plan.max_cost_usd),
                                          fits ? "the worst case fits"
                                               : "the execution stops paying at this ceiling "
                                                 "before its worst case"));
  }
  return out;
}

}  // namespace flowhost::cli
