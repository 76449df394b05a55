// Fuzz target: what a plugin library sends the host as text (plugin_abi.h): a node type's
// description (fh_node_type_def::info_json, through PluginNodeType::Create and the registry, which
// checks its parameter schema), a node's outputs (complete's outputs_json), a node's ports
// (node_ports), an attempt record (exec_record_attempt) and an error's details (fh_error). The
// first byte picks which; the rest is the text. A plugin is code the host runs, not an adversary,
// but its bugs must end as clear errors of that plugin, never as a crash of the host.
//
// Invariants beyond "no crash, no leak, no undefined behaviour": a description the host accepts
// says the same again when written back (NodeTypeInfoToJson) and read once more; outputs the host
// accepts survive being written back and read again unchanged; a registered type is found by name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "flowhost/plugin/convert.h"
#include "flowhost/sdk/json_text.h"
#include "server/plugins/plugin_node_type.h"
#include "server/registry/node_type_registry.h"
#include "tests/fuzz/fuzz_check.h"

namespace flowhost::fuzz {
namespace {

void* Create(void*, fh_node_config*) { return nullptr; }
fh_str Ports(void*) { return fh_str{nullptr, 0}; }
void Execute(void*, fh_exec) {}
void DestroyNode(void*) {}
void DestroyType(void*) {}
const fh_node_type_vtable kVtable = {sizeof(fh_node_type_vtable), Create, Ports, Execute,
                                     DestroyNode, DestroyType};

void CheckDescription(std::string_view text) {
  fh_node_type_def def{sizeof(fh_node_type_def), plugin::Str(text), &kVtable, nullptr};
  absl::StatusOr<std::shared_ptr<plugins::PluginNodeType>> type = plugins::PluginNodeType::Create(def);
  if (!type.ok()) {
    FUZZ_CHECK(!type.status().message().empty(), "a refusal without a reason");
    return;
  }
  const sdk::NodeTypeInfo& info = (*type)->info();
  std::string again = plugin::DumpJson(plugin::NodeTypeInfoToJson(info));
  absl::StatusOr<sdk::NodeTypeInfo> reread = plugin::NodeTypeInfoFromJson(again);
  FUZZ_CHECK(reread.ok(), again);
  FUZZ_CHECK(reread->type == info.type && reread->version == info.version &&
                 reread->description == info.description &&
                 reread->parameter_schema == info.parameter_schema &&
                 reread->inputs.size() == info.inputs.size() &&
                 reread->outputs.size() == info.outputs.size(),
             again);
  registry::NodeTypeRegistry registry;
  std::string name = info.type;
  absl::Status registered = registry.Register(*type, registry::NodeOrigin{"fuzz.so", "fuzz", "1"});
  if (registered.ok()) FUZZ_CHECK(registry.Find(name) != nullptr, name);
}

void CheckOutputs(std::string_view text) {
  absl::StatusOr<std::vector<sdk::Items>> lists = plugin::ParseItemLists(text, "its outputs");
  if (!lists.ok()) return;
  std::string again = plugin::DumpItemLists(*lists);
  absl::StatusOr<std::vector<sdk::Items>> reread = plugin::ParseItemLists(again, "again");
  FUZZ_CHECK(reread.ok() && *reread == *lists, again);
}

void CheckPorts(std::string_view text) {
  absl::StatusOr<sdk::Json> json = sdk::ParseJsonText(text);
  if (!json.ok()) return;
  (void)plugin::PortsFromJson(*json, "the node's ports");
}

void CheckRecordAndDetails(std::string_view text) {
  if (absl::StatusOr<sdk::Json> json = sdk::ParseJsonText(text); json.ok()) {
    sdk::AttemptRecord record = plugin::AttemptFromJson(*json);
    sdk::AttemptRecord reread = plugin::AttemptFromJson(plugin::AttemptToJson(record));
    FUZZ_CHECK(reread.model == record.model && reread.outcome == record.outcome &&
                   reread.prompt_tokens == record.prompt_tokens &&
                   reread.completion_tokens == record.completion_tokens &&
                   reread.item_index == record.item_index,
               text);
  }
  absl::Status status = plugin::StatusFromError(13, "plugin_class", "message", text, -1);
  FUZZ_CHECK(!status.ok(), "an error that became OK");
}

}  // namespace
}  // namespace flowhost::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: flowhost::fuzz::CheckDescription(text); break;
    case 1: flowhost::fuzz::CheckOutputs(text); break;
    case 2: flowhost::fuzz::CheckPorts(text); break;
    default: flowhost::fuzz::CheckRecordAndDetails(text); break;
  }
  return 0;
}
