#include "server/workflow/loader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "server/common/utf8_text.h"
#include "server/workflow/document_checks.h"
#include "server/workflow/expression_checks.h"
#include "server/workflow/field_checks.h"
#include "server/workflow/graph_checks.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/node_compiler.h"
#include "server/workflow/reporter.h"
#include "server/workflow/source_text.h"
#include "server/workflow/wiring.h"
#include "server/workflow/workflow_draft.h"
#include "server/workflow/yaml_document.h"
#include "server/workflow/yaml_reader.h"

namespace flowhost::workflow {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Control characters YAML does not allow (C0 other than tab and line breaks, DEL, C1 other than
// NEL); they mean the file is binary or corrupted.
std::optional<size_t> FindControlCharacter(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return i;
    if (c == 0xC2 && i + 1 < text.size()) {
      unsigned char next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F && next != 0x85) return i;
    }
  }
  return std::nullopt;
}

// Checks the text before parsing: size, encoding, control characters.
bool CheckText(std::string_view original, const SourceText& source, const LoadLimits& limits,
               Reporter& reporter) {
  if (original.size() > limits.max_file_bytes) {
    reporter.FileError(absl::StrCat("the file is ", original.size(), " bytes; the limit is ",
                                    limits.max_file_bytes));
    return false;
  }
  if (std::optional<size_t> bad = common::FindInvalidUtf8(source.text())) {
    reporter.ErrorAtOffset(*bad, absl::StrFormat("the file is not valid UTF-8 (byte 0x%02X)",
                                                 static_cast<unsigned char>(source.text()[*bad])));
    return false;
  }
  if (std::optional<size_t> control = FindControlCharacter(source.text())) {
    unsigned char c = static_cast<unsigned char>(source.text()[*control]);
    uint32_t code_point = c == 0xC2 ? static_cast<unsigned char>(source.text()[*control + 1]) : c;
    reporter.ErrorAtOffset(*control,
                           absl::StrFormat("control character U+%04X is not allowed in a workflow "
                                           "file",
                                           code_point));
    return false;
  }
  return true;
}

// FNV-1a, 64 bits: stable across processes and builds (unlike absl::Hash), and cheap.
std::string ContentHash(std::string_view text) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrFormat("%016x", hash);
}

std::shared_ptr<CompiledWorkflow> Assemble(std::string_view file, std::string_view original,
                                           WorkflowDraft& draft, std::vector<CompiledNode> nodes,
                                           Wiring& wiring, GraphFacts& graph,
                                           const Reporter& reporter) {
  auto workflow = std::make_shared<CompiledWorkflow>();
  workflow->name = draft.name;
  workflow->description = draft.description;
  workflow->history_save = draft.history_save;
  workflow->restart_policy = draft.restart_policy;
  workflow->expose_openai = draft.expose_openai;
  workflow->max_cost_usd = draft.max_cost_usd;
  workflow->inputs = std::move(draft.inputs);
  workflow->vars = std::move(draft.vars);
  for (size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].location = reporter.Locate(draft.nodes[i].pointer);
    workflow->node_index[nodes[i].name] = static_cast<int>(i);
  }
  workflow->nodes = std::move(nodes);
  workflow->start_nodes = std::move(wiring.start_nodes);
  workflow->output = std::move(wiring.output);
  workflow->topological_order = std::move(graph.topological_order);
  workflow->source_path = std::string(file);
  workflow->source_text = std::string(original);
  workflow->content_hash = ContentHash(original);
  workflow->loaded_at = absl::Now();
  return workflow;
}

WorkflowPtr Compile(std::string_view file, std::string_view original, const SourceText& source,
                    const registry::NodeTypeRegistry& registry, const LoadLimits& limits,
                    Reporter& reporter) {
  if (!CheckText(original, source, limits, reporter)) return nullptr;
  std::optional<YamlDocument> document = ReadYaml(source, limits.yaml, reporter);
  if (!document.has_value()) return nullptr;
  reporter.set_document(&*document);

  WorkflowDraft draft = CheckDocument(*document, limits.max_nodes, reporter);
  WorkflowPtr workflow;
  if (draft.nodes_usable) {
    std::vector<CompiledNode> nodes(draft.nodes.size());
    std::vector<NodeFacts> facts(draft.nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      CompileNode(draft, static_cast<int>(i), registry, limits.expressions, reporter, nodes[i],
                  facts[i]);
    }
    Wiring wiring = ConnectNodes(draft, facts, nodes, reporter);
    GraphFacts graph = CheckGraph(draft, nodes, wiring, reporter);
    CheckExpressions(draft, facts, wiring, graph, reporter);
    CheckFieldReads(draft, nodes, facts, wiring, graph, reporter);
    if (!reporter.has_errors()) {
      workflow = Assemble(file, original, draft, std::move(nodes), wiring, graph, reporter);
    }
  }
  reporter.set_document(nullptr);
  return workflow;
}

}  // namespace

LoadResult LoadWorkflow(std::string_view file, std::string_view yaml,
                        const registry::NodeTypeRegistry& registry, const LoadLimits& limits) {
  std::string_view text = yaml;
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  SourceText source(text);
  Reporter reporter(std::string(file), source);
  LoadResult result;
  result.workflow = Compile(file, yaml, source, registry, limits, reporter);
  result.diagnostics = reporter.Take();
  SortDiagnostics(result.diagnostics);
  return result;
}

LoadResult LoadWorkflowFile(const std::string& path, const registry::NodeTypeRegistry& registry,
                            const LoadLimits& limits) {
  auto fail = [&path](std::string message) {
    LoadResult result;
    result.diagnostics.push_back(
        {Diagnostic::Severity::kError, {path, 0, 0}, "", std::move(message)});
    return result;
  };
  std::error_code error;
  std::filesystem::file_status status = std::filesystem::status(path, error);
  if (error) return fail(absl::StrCat("cannot read the file: ", error.message()));
  if (!std::filesystem::is_regular_file(status)) {
    return fail("cannot read the file: it is not a regular file");
  }
  std::ifstream stream(path, std::ios::binary);
  if (!stream) return fail(absl::StrCat("cannot read the file: ", std::strerror(errno)));
  // Read one byte past the limit, so that a larger file is reported without reading all of it.
  std::string text(limits.max_file_bytes + 1, '\0');
  stream.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (stream.bad()) return fail("cannot read the file: read error");
  text.resize(static_cast<size_t>(stream.gcount()));
  if (text.size() > limits.max_file_bytes) {
    return fail(
        absl::StrCat("the file is larger than the limit of ", limits.max_file_bytes, " bytes"));
  }
  return LoadWorkflow(path, text, registry, limits);
}

}  // namespace flowhost::workflow
