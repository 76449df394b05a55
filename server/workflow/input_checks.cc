// Checks the `inputs` declarations: names usable as $inputs.NAME, known types, defaults of the
// declared type.
#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/workflow/describe.h"
#include "server/workflow/document_checks.h"
#include "server/workflow/input_types.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/shape_checks.h"
#include "server/workflow/suggest.h"

namespace flowhost::workflow {
namespace {

bool IsInputName(std::string_view name) {
  if (name.empty()) return false;
  char first = name.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_')) {
    return false;
  }
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

const std::vector<std::string>& InputKeys() {
  static const auto* keys =
      new std::vector<std::string>{"type", "required", "default", "description"};
  return *keys;
}

}  // namespace

void CheckInputs(const YamlDocument& document, const sdk::Json& inputs, Reporter& reporter,
                 WorkflowDraft& draft) {
  const std::string pointer = "/inputs";
  for (const std::string& name : document.KeysInFileOrder(pointer)) {
    const sdk::Json& spec = inputs[name];
    std::string at = ChildPointer(pointer, name);
    if (!IsInputName(name)) {
      reporter.Error(at,
                     absl::StrCat("input name '", name,
                                  "' must be letters, digits and '_', not starting with a digit "
                                  "(it is used as $inputs.NAME)"),
                     Part::kKey);
    }
    if (!spec.is_object()) {
      reporter.Error(at, absl::StrCat("input '", name,
                                      "' must be a mapping such as {type: string, required: "
                                      "true}, got ",
                                      DescribeValue(spec)));
      draft.input_pointers[name] = at;
      draft.inputs.push_back({name, InputSpec::Type::kString, false, std::nullopt, ""});
      continue;
    }
    CheckKnownKeys(spec, at, InputKeys(), absl::StrCat("input '", name, "'"), reporter);

    InputSpec input;
    input.name = name;
    const sdk::Json* type = Member(spec, "type");
    if (type == nullptr) {
      reporter.Error(
          at,
          absl::StrCat("input '", name, "' needs a 'type': one of ", ListOfNames(InputTypeNames())),
          Part::kKey);
    } else if (!type->is_string()) {
      reporter.Error(ChildPointer(at, "type"),
                     absl::StrCat("the type of input '", name, "' must be one of ",
                                  ListOfNames(InputTypeNames()), ", got ", DescribeValue(*type)));
    } else if (std::optional<InputSpec::Type> parsed = ParseInputType(type->get<std::string>())) {
      input.type = *parsed;
    } else {
      const std::string& written = type->get_ref<const std::string&>();
      reporter.Error(
          ChildPointer(at, "type"),
          absl::StrCat("unknown input type '", written, "'", DidYouMean(written, InputTypeNames()),
                       "; use one of ", ListOfNames(InputTypeNames())));
    }
    if (const sdk::Json* required = Member(spec, "required")) {
      if (ExpectBoolean(*required, ChildPointer(at, "required"), "required", reporter)) {
        input.required = required->get<bool>();
      }
    }
    if (const sdk::Json* description = Member(spec, "description")) {
      if (ExpectString(*description, ChildPointer(at, "description"), "description", reporter)) {
        input.description = description->get<std::string>();
      }
    }
    if (const sdk::Json* value = Member(spec, "default")) {
      std::string default_at = ChildPointer(at, "default");
      if (input.required) {
        reporter.Error(default_at, absl::StrCat("input '", name,
                                                "' is required, so its default would never be "
                                                "used; drop one of them"));
      }
      if (type != nullptr && type->is_string() && ParseInputType(type->get<std::string>())) {
        if (std::optional<sdk::Json> conformed = ConformInput(*value, input.type)) {
          input.default_value = std::move(*conformed);
        } else {
          reporter.Error(default_at, absl::StrCat("the default of input '", name, "' must be ",
                                                  sdk::AsAbsl(InputTypeName(input.type)), ", got ",
                                                  DescribeValue(*value)));
        }
      }
    }
    // Declared even when something is wrong with it, so that references to it are not reported
    // a second time.
    draft.input_pointers[name] = at;
    draft.inputs.push_back(std::move(input));
  }
}

}  // namespace flowhost::workflow
