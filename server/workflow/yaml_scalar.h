// Resolves a YAML scalar's text to a JSON value, as YAML 1.2's core schema does: null, true/false,
// decimal, octal (0o17) and hexadecimal (0x1F) integers, floats; everything else is a string.
// Quoted and block scalars are always strings. Explicit standard tags (!!str, !!int, !!float,
// !!bool, !!null) are honoured; any other tag is an error.
//
// Thread-safety: pure function.
#ifndef FLOWHOST_SERVER_WORKFLOW_YAML_SCALAR_H_
#define FLOWHOST_SERVER_WORKFLOW_YAML_SCALAR_H_

#include <string>
#include <string_view>

#include "flowhost/sdk/json.h"

namespace flowhost::workflow {

struct ResolvedScalar {
  sdk::Json value;
  std::string
      error;  // non-empty when the scalar cannot be used as written (value is then its text)
};

// `tag` as yaml-cpp reports it: "?" for a plain scalar, "!" for a quoted or block one, otherwise
// the explicit tag ("tag:yaml.org,2002:int" for !!int).
ResolvedScalar ResolveScalar(std::string_view tag, const std::string& text);

// `tag` as a workflow's author wrote it: "!!int" for "tag:yaml.org,2002:int", others as they are.
std::string ShownTag(std::string_view tag);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_YAML_SCALAR_H_
