#include "nodes/router/answer_check.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/abbreviate.h"
#include "flowhost/sdk/json_schema.h"

namespace flowhost::nodes::router {

using sdk::Json;

bool Truthy(const Json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_null()) return false;
  if (value.is_number()) return value.get<double>() != 0;
  if (value.is_string()) return !value.get_ref<const std::string&>().empty();
  return !value.empty();
}

absl::StatusOr<std::optional<std::string>> CheckAnswer(const RouterSettings& settings,
                                                       const sdk::Parameters& params,
                                                       size_t item_index, const Json& answer) {
  if (!settings.accept_schema.is_null()) {
    // A chat answer is checked by its content; an item from a node route without `content`, whole.
    Json value = answer;
    if (auto content = answer.find("content"); content != answer.end()) {
      if (!content->is_string()) return std::optional<std::string>("the answer has no text");
      value = Json::parse(content->get<std::string>(), nullptr, /*allow_exceptions=*/false);
      if (value.is_discarded()) return std::optional<std::string>("the answer is not valid JSON");
    }
    std::vector<sdk::SchemaViolation> violations;
    sdk::ValidateAgainstSchema(value, settings.accept_schema, violations);
    if (!violations.empty()) {
      std::vector<std::string> shown;
      for (size_t i = 0; i < violations.size() && i < 3; ++i) {
        shown.push_back(
            absl::StrCat(violations[i].pointer.empty() ? "(root)" : violations[i].pointer, ": ",
                         violations[i].message));
      }
      return std::optional<std::string>(
          absl::StrCat("the answer does not match accept_schema: ", absl::StrJoin(shown, "; ")));
    }
  }
  if (settings.has_accept) {
    absl::StatusOr<Json> verdict = params.EvaluateDeferred("/accept", item_index, answer);
    if (!verdict.ok()) return verdict.status();
    if (!Truthy(*verdict)) {
      std::string shown = verdict->dump();
      shown = sdk::Abbreviate(shown, 80);
      return std::optional<std::string>(absl::StrCat("the accept check returned ", shown));
    }
  }
  return std::optional<std::string>();
}

}  // namespace flowhost::nodes::router
