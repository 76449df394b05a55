#include "server/workflow/shape_checks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/workflow/describe.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/suggest.h"

namespace flowhost::workflow {
namespace {

bool Expect(bool ok, const sdk::Json& value, std::string_view pointer, std::string_view what,
            std::string_view expected, Reporter& reporter) {
  if (!ok) {
    reporter.Error(pointer, absl::StrCat("'", sdk::AsAbsl(what), "' must be ",
                                         sdk::AsAbsl(expected), ", got ", DescribeValue(value)));
  }
  return ok;
}

}  // namespace

void CheckKnownKeys(const sdk::Json& object, std::string_view pointer,
                    const std::vector<std::string>& known, std::string_view where,
                    Reporter& reporter) {
  for (const auto& [key, unused] : object.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    reporter.Error(
        ChildPointer(pointer, key),
        absl::StrCat("unknown key '", key, "' in ", sdk::AsAbsl(where), DidYouMean(key, known)),
        Part::kKey);
  }
}

const sdk::Json* Member(const sdk::Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

bool ExpectString(const sdk::Json& value, std::string_view pointer, std::string_view what,
                  Reporter& reporter) {
  return Expect(value.is_string(), value, pointer, what, "a string", reporter);
}

bool ExpectObject(const sdk::Json& value, std::string_view pointer, std::string_view what,
                  Reporter& reporter) {
  return Expect(value.is_object(), value, pointer, what, "a mapping", reporter);
}

bool ExpectBoolean(const sdk::Json& value, std::string_view pointer, std::string_view what,
                   Reporter& reporter) {
  return Expect(value.is_boolean(), value, pointer, what, "true or false", reporter);
}

}  // namespace flowhost::workflow
