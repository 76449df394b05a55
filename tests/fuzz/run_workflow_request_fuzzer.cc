// Fuzz target: a RunWorkflow request as the service reads it. The input is the request's bytes on
// the wire, parsed as a flowhost.v1.RunWorkflowRequest; its `input` Struct becomes JSON
// (StructToJson, server/service/json_proto.h) and is bound to a workflow declaring an input of
// every type (workflow::BindInputs), as PrepareExecution does. The inputs then go back to a Struct,
// as output items go back to Values. (The `yaml` field is the workflow_loader target's business.)
//
// Invariants beyond "no crash, no leak, no undefined behaviour": binding gives an object of
// declared inputs or one INVALID_ARGUMENT naming the problems; JSON -> Struct -> JSON gives the
// same JSON (non-finite numbers, which JSON cannot carry, coming back as null) or refuses a value
// nested deeper than protobuf can carry.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "flowhost/v1/workflow_service.pb.h"
#include "server/registry/builtin_nodes.h"
#include "server/service/json_proto.h"
#include "server/workflow/loader.h"
#include "tests/fuzz/fuzz_check.h"

namespace flowhost::fuzz {
namespace {

constexpr std::string_view kWorkflow = R"(name: every-input-type
inputs:
  question: {type: string, required: true}
  count: {type: integer, default: 1}
  ratio: {type: number}
  flag: {type: boolean}
  options: {type: object, default: {style: plain}}
  tags: {type: array}
nodes:
  - name: pass
    type: noop
)";

const workflow::CompiledWorkflow& EveryInputTypeWorkflow() {
  static const workflow::WorkflowPtr* const compiled = [] {
    registry::NodeTypeRegistry registry;
    absl::Status status = registry::RegisterBuiltinNodes(registry);
    FUZZ_CHECK(status.ok(), status);
    workflow::LoadResult result = workflow::LoadWorkflow("fuzz.yaml", kWorkflow, registry);
    FUZZ_CHECK(result.ok(), workflow::FormatDiagnostics(result.diagnostics));
    return new workflow::WorkflowPtr(result.workflow);
  }();
  return **compiled;
}

// `value` with every non-finite number replaced by null.
sdk::Json WithoutNonFinite(const sdk::Json& value) {
  if (value.is_number_float() && !std::isfinite(value.get<double>())) return nullptr;
  if (!value.is_structured()) return value;
  sdk::Json out = value;
  for (auto& element : out) element = WithoutNonFinite(element);
  return out;
}

std::string Shown(const sdk::Json& value) {
  return value.dump(-1, ' ', false, sdk::Json::error_handler_t::replace);
}

void CheckBinding(const sdk::Json& inputs) {
  const workflow::CompiledWorkflow& workflow = EveryInputTypeWorkflow();
  absl::StatusOr<sdk::Json> bound = workflow::BindInputs(workflow, inputs);
  if (!bound.ok()) {
    FUZZ_CHECK(bound.status().code() == absl::StatusCode::kInvalidArgument, bound.status());
    FUZZ_CHECK(!bound.status().message().empty(), Shown(inputs));
    return;
  }
  FUZZ_CHECK(bound->is_object(), Shown(*bound));
  std::set<std::string> declared;
  for (const workflow::InputSpec& spec : workflow.inputs) declared.insert(spec.name);
  for (const auto& [name, value] : bound->items()) {
    FUZZ_CHECK(declared.count(name) == 1, "undeclared input '" << name << "' bound");
  }
}

void CheckRoundTrip(const sdk::Json& inputs) {
  google::protobuf::Struct back;
  absl::Status status = service::JsonToStruct(inputs, back);
  if (!status.ok()) {
    FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument, status);
    return;
  }
  sdk::Json again = service::StructToJson(back);
  sdk::Json expected = WithoutNonFinite(inputs);
  FUZZ_CHECK(again == expected, "sent " << Shown(expected) << "\ngot back " << Shown(again));
}

}  // namespace
}  // namespace flowhost::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowhost;
  v1::RunWorkflowRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  sdk::Json inputs =
      request.has_input() ? service::StructToJson(request.input()) : sdk::Json::object();
  fuzz::CheckBinding(inputs);
  fuzz::CheckRoundTrip(inputs);
  return 0;
}
