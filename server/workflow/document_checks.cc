#include "server/workflow/document_checks.h"

#include <cmath>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/workflow/describe.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/shape_checks.h"
#include "server/workflow/suggest.h"

namespace flowhost::workflow {
namespace {

using sdk::Json;

const std::vector<std::string>& TopLevelKeys() {
  static const auto* keys = new std::vector<std::string>{
      "name",   "description", "inputs",         "vars",   "start",       "nodes",
      "output", "history",     "restart_policy", "expose", "max_cost_usd"};
  return *keys;
}

// `expose: openai` (or a list): the other APIs the workflow is offered through. An OpenAI model
// takes the chat through an input named `messages` (array), `prompt` or `question` (string), so
// one of those must be declared (docs/http.md, "Messages to inputs"). Runs after the inputs.
void CheckExpose(const Json& expose, Reporter& reporter, WorkflowDraft& draft) {
  static const auto* values = new std::vector<std::string>{"openai"};
  auto check_one = [&](const Json& value, const std::string& pointer) {
    std::string written = value.is_string() ? value.get<std::string>() : "";
    if (written == "openai") {
      draft.expose_openai = true;
      return;
    }
    reporter.Error(pointer, absl::StrCat("'expose' takes ", ListOfNames(*values), ", got ",
                                         DescribeValue(value), DidYouMean(written, *values)));
  };
  if (expose.is_array()) {
    for (size_t i = 0; i < expose.size(); ++i) check_one(expose[i], ChildPointer("/expose", i));
  } else {
    check_one(expose, "/expose");
  }
  if (!draft.expose_openai) return;
  for (const InputSpec& input : draft.inputs) {
    if (input.name == "messages" && input.type == InputSpec::Type::kArray) return;
    if ((input.name == "prompt" || input.name == "question") &&
        input.type == InputSpec::Type::kString) {
      return;
    }
  }
  reporter.Error("/expose",
                 "a workflow exposed as an OpenAI model takes the chat through an input named "
                 "'messages' (type array), 'prompt' or 'question' (type string); declare one");
}

// `history: {save: all | failed | none}`: what the execution history keeps of this workflow.
HistorySave CheckHistory(const Json& history, Reporter& reporter) {
  if (!ExpectObject(history, "/history", "history", reporter)) return HistorySave::kDefault;
  static const auto* keys = new std::vector<std::string>{"save"};
  CheckKnownKeys(history, "/history", *keys, "'history'", reporter);
  const Json* save = Member(history, "save");
  if (save == nullptr) return HistorySave::kDefault;
  static const auto* values = new std::vector<std::string>{"all", "failed", "none"};
  std::string written = save->is_string() ? save->get<std::string>() : "";
  if (written == "all") return HistorySave::kAll;
  if (written == "failed") return HistorySave::kFailed;
  if (written == "none") return HistorySave::kNone;
  reporter.Error("/history/save",
                 absl::StrCat("'history.save' must be one of ", ListOfNames(*values), ", got ",
                              DescribeValue(*save), DidYouMean(written, *values)));
  return HistorySave::kDefault;
}

// `restart_policy: resume | fail`: what happens to an execution whose server died while it ran.
RestartPolicy CheckRestartPolicy(const Json& policy, Reporter& reporter) {
  static const auto* values = new std::vector<std::string>{"resume", "fail"};
  std::string written = policy.is_string() ? policy.get<std::string>() : "";
  if (written == "resume") return RestartPolicy::kResume;
  if (written == "fail") return RestartPolicy::kFail;
  reporter.Error("/restart_policy",
                 absl::StrCat("'restart_policy' must be one of ", ListOfNames(*values), ", got ",
                              DescribeValue(policy), DidYouMean(written, *values)));
  return RestartPolicy::kResume;
}

// `max_cost_usd`: what one execution may spend, in US dollars; a positive finite number.
std::optional<double> CheckMaxCost(const Json& value, Reporter& reporter) {
  if (value.is_number() && std::isfinite(value.get<double>()) && value.get<double>() > 0) {
    return value.get<double>();
  }
  reporter.Error("/max_cost_usd",
                 absl::StrCat("'max_cost_usd' must be a positive number of US dollars (such as "
                              "0.05), got ",
                              DescribeValue(value)));
  return std::nullopt;
}

const std::vector<std::string>& NodeKeys() {
  static const auto* keys = new std::vector<std::string>{
      "name", "type", "description", "params", "retry", "timeout", "on_error", "disabled", "next"};
  return *keys;
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9][a-z0-9_-]*
bool IsWorkflowName(std::string_view name) {
  if (name.empty() || !IsLowerAlnum(name.front())) return false;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

// [A-Za-z_][A-Za-z0-9_-]*
bool IsNodeName(std::string_view name) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (name.empty() || !letter(name.front())) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '-') return false;
  }
  return true;
}

// A node name, or a list of them (start, output).
void CheckNameOrList(const Json& value, const std::string& pointer, std::string_view what,
                     Reporter& reporter) {
  if (value.is_string()) return;
  if (value.is_array() && !value.empty()) {
    for (size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_string()) {
        reporter.Error(ChildPointer(pointer, i),
                       absl::StrCat("each entry of '", sdk::AsAbsl(what),
                                    "' must be a string, got ", DescribeValue(value[i])));
      }
    }
    return;
  }
  reporter.Error(pointer, absl::StrCat("'", sdk::AsAbsl(what),
                                       "' must be a node name or a non-empty list of "
                                       "them, got ",
                                       DescribeValue(value)));
}

NodeDraft CheckNode(const Json& node, const std::string& pointer, Reporter& reporter,
                    WorkflowDraft& draft) {
  NodeDraft out;
  out.pointer = pointer;
  if (!node.is_object()) {
    reporter.Error(pointer, absl::StrCat("each node must be a mapping with at least 'name' and "
                                         "'type', got ",
                                         DescribeValue(node)));
    return out;
  }
  const Json* name = Member(node, "name");
  if (name == nullptr) {
    reporter.Error(pointer, "this node has no 'name'");
  } else if (ExpectString(*name, ChildPointer(pointer, "name"), "name", reporter)) {
    const std::string& text = name->get_ref<const std::string&>();
    if (!IsNodeName(text)) {
      reporter.Error(ChildPointer(pointer, "name"),
                     absl::StrCat("node name '", text,
                                  "' must be letters, digits, '_' and '-', starting with a letter "
                                  "or '_'"));
    } else {
      out.name = text;
    }
  }
  std::string where = out.name.empty() ? "this node" : absl::StrCat("node '", out.name, "'");
  CheckKnownKeys(node, pointer, NodeKeys(), where, reporter);

  if (!out.name.empty()) {
    auto [it, inserted] = draft.node_index.emplace(out.name, static_cast<int>(draft.nodes.size()));
    if (!inserted) {
      const std::string& first = draft.nodes[static_cast<size_t>(it->second)].pointer;
      reporter.Error(ChildPointer(pointer, "name"),
                     absl::StrCat("duplicate node name '", out.name, "' (first used at line ",
                                  reporter.LineOf(ChildPointer(first, "name")), ")"));
      // Connections and references by this name mean the first node; keep this one out of them.
      out.name.clear();
    }
  }
  if (const Json* type = Member(node, "type"); type == nullptr) {
    reporter.Error(pointer, absl::StrCat(where, " has no 'type'"));
  } else if (ExpectString(*type, ChildPointer(pointer, "type"), "type", reporter)) {
    out.type = type->get<std::string>();
  }
  if (const Json* description = Member(node, "description")) {
    ExpectString(*description, ChildPointer(pointer, "description"), "description", reporter);
  }
  if (const Json* params = Member(node, "params")) {
    if (params->is_null()) {
      // "params:" with nothing after it: no parameters.
    } else if (ExpectObject(*params, ChildPointer(pointer, "params"), "params", reporter)) {
      out.params = *params;
    } else {
      out.params_valid = false;
    }
  }
  out.settings = CheckNodeSettings(node, pointer, reporter);
  out.next = Member(node, "next");
  return out;
}

void CheckNodes(const Json& root, size_t max_nodes, Reporter& reporter, WorkflowDraft& draft) {
  const Json* nodes = Member(root, "nodes");
  if (nodes == nullptr) {
    reporter.Error("", "the workflow has no 'nodes': it needs at least one node");
    return;
  }
  if (!nodes->is_array()) {
    reporter.Error("/nodes",
                   absl::StrCat("'nodes' must be a list of nodes, got ", DescribeValue(*nodes)));
    return;
  }
  if (nodes->empty()) {
    reporter.Error("/nodes", "'nodes' is empty: a workflow needs at least one node", Part::kKey);
    return;
  }
  if (nodes->size() > max_nodes) {
    reporter.Error(
        "/nodes",
        absl::StrCat("too many nodes: ", nodes->size(), " (the limit is ", max_nodes, ")"),
        Part::kKey);
    return;
  }
  for (size_t i = 0; i < nodes->size(); ++i) {
    draft.nodes.push_back(CheckNode((*nodes)[i], ChildPointer("/nodes", i), reporter, draft));
  }
  draft.nodes_usable = true;
}

}  // namespace

WorkflowDraft CheckDocument(const YamlDocument& document, size_t max_nodes, Reporter& reporter) {
  WorkflowDraft draft;
  const Json& root = document.root();
  if (!root.is_object()) {
    reporter.Error("", absl::StrCat("a workflow file must be a mapping with 'name' and 'nodes', "
                                    "not ",
                                    DescribeValue(root)));
    return draft;
  }
  // Top-level keys starting with "x-" are the author's own (a place to define YAML anchors).
  Json known_part = Json::object();
  for (const auto& [key, value] : root.items()) {
    if (key.rfind("x-", 0) != 0) known_part[key] = nullptr;
  }
  CheckKnownKeys(known_part, "", TopLevelKeys(), "the workflow", reporter);

  if (const Json* name = Member(root, "name"); name == nullptr) {
    reporter.Error("", "the workflow has no 'name'");
  } else if (ExpectString(*name, "/name", "name", reporter)) {
    draft.name = name->get<std::string>();
    if (!IsWorkflowName(draft.name)) {
      reporter.Error("/name", absl::StrCat("workflow name '", draft.name,
                                           "' must be lower-case letters, digits, '_' and '-', "
                                           "starting with a letter or digit"));
    }
  }
  if (const Json* description = Member(root, "description")) {
    if (ExpectString(*description, "/description", "description", reporter)) {
      draft.description = description->get<std::string>();
    }
  }
  if (const Json* inputs = Member(root, "inputs"); inputs != nullptr && !inputs->is_null()) {
    if (ExpectObject(*inputs, "/inputs", "inputs", reporter)) {
      CheckInputs(document, *inputs, reporter, draft);
    }
  }
  if (const Json* vars = Member(root, "vars"); vars != nullptr && !vars->is_null()) {
    if (ExpectObject(*vars, "/vars", "vars", reporter)) draft.vars = *vars;
  }
  if (const Json* history = Member(root, "history"); history != nullptr && !history->is_null()) {
    draft.history_save = CheckHistory(*history, reporter);
  }
  if (const Json* policy = Member(root, "restart_policy"); policy != nullptr && !policy->is_null()) {
    draft.restart_policy = CheckRestartPolicy(*policy, reporter);
  }
  if (const Json* expose = Member(root, "expose"); expose != nullptr && !expose->is_null()) {
    CheckExpose(*expose, reporter, draft);
  }
  if (const Json* max_cost = Member(root, "max_cost_usd"); max_cost != nullptr) {
    draft.max_cost_usd = CheckMaxCost(*max_cost, reporter);
  }
  if (const Json* start = Member(root, "start")) {
    CheckNameOrList(*start, "/start", "start", reporter);
    draft.start = start;
  }
  if (const Json* output = Member(root, "output")) {
    CheckNameOrList(*output, "/output", "output", reporter);
    draft.output = output;
  }
  CheckNodes(root, max_nodes, reporter, draft);
  return draft;
}

}  // namespace flowhost::workflow
