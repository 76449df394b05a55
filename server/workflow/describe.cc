#include "server/workflow/describe.h"

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/abbreviate.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::workflow {

std::string DescribeValue(const sdk::Json& value) {
  std::string_view type = sdk::JsonTypeName(value);
  if (value.is_object() || value.is_array() || value.is_null()) return std::string(type);
  std::string text = value.dump(-1, ' ', false, sdk::Json::error_handler_t::replace);
  return absl::StrCat(sdk::AsAbsl(type), " ", sdk::Abbreviate(text, 40));
}

std::string ListOfNames(const std::vector<std::string>& names, bool quote) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) absl::StrAppend(&out, i + 1 == names.size() ? " or " : ", ");
    absl::StrAppend(&out, quote ? "'" : "", names[i], quote ? "'" : "");
  }
  return out;
}

}  // namespace flowhost::workflow
