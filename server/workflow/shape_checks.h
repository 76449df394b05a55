// Small checks on the shape of a workflow document shared by the document, input and settings
// checks: unknown keys (with a did-you-mean hint) and expected JSON types.
//
// Thread-safety: reentrant; each call reports to the Reporter it is given.
#ifndef FLOWHOST_SERVER_WORKFLOW_SHAPE_CHECKS_H_
#define FLOWHOST_SERVER_WORKFLOW_SHAPE_CHECKS_H_

#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/json.h"
#include "server/workflow/reporter.h"

namespace flowhost::workflow {

// Reports every key of `object` (at `pointer`) that is not in `known`: "unknown key 'x' in WHERE".
void CheckKnownKeys(const sdk::Json& object, std::string_view pointer,
                    const std::vector<std::string>& known, std::string_view where,
                    Reporter& reporter);

// The member `key` of `object`, or nullptr.
const sdk::Json* Member(const sdk::Json& object, std::string_view key);

// True when `value` is a string; otherwise reports "'WHAT' must be a string, got ..." at `pointer`.
bool ExpectString(const sdk::Json& value, std::string_view pointer, std::string_view what,
                  Reporter& reporter);
bool ExpectObject(const sdk::Json& value, std::string_view pointer, std::string_view what,
                  Reporter& reporter);
bool ExpectBoolean(const sdk::Json& value, std::string_view pointer, std::string_view what,
                   Reporter& reporter);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_SHAPE_CHECKS_H_
