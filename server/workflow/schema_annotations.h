// Finds the parameters a node type's schema marks with flowhost's extensions:
//   "x-deferred": true   compiled, but not evaluated by Parameters::ForItem (the node evaluates it
//                        later with its own $json, e.g. a router's `accept` check);
//   "x-node-ref": true   a string naming another node of the workflow, which the node may invoke
//                        (that node is then "attached" and not part of the main flow);
//   "x-credential": true a string naming a host credential the node may read: a node receives
//                        only the credentials its parameters name this way;
//   "x-field-path": true a string (or a list of strings) naming a field of the input items as a
//                        dotted path (checked against what upstream nodes output, like
//                        `$json.field`).
// Also tells parameters that hold expressions from static ones.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_WORKFLOW_SCHEMA_ANNOTATIONS_H_
#define FLOWHOST_SERVER_WORKFLOW_SCHEMA_ANNOTATIONS_H_

#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/json.h"

namespace flowhost::workflow {

struct SchemaAnnotations {
  std::vector<std::string> deferred;     // JSON pointers into the params
  std::vector<std::string> node_refs;    // JSON pointers into the params
  std::vector<std::string> credentials;  // JSON pointers into the params
  std::vector<std::string> field_paths;  // JSON pointers into the params ("x-field-path")
};

// Walks `params` alongside `schema` (properties, additionalProperties, items).
SchemaAnnotations FindAnnotations(const sdk::Json& params, const sdk::Json& schema);

// True when `text` holds a `{{` that is not escaped as `\{{`.
bool HasTemplate(std::string_view text);

// True when `value` is, or contains, a string with a template.
bool ContainsTemplate(const sdk::Json& value);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_SCHEMA_ANNOTATIONS_H_
