// Reads YAML text into a YamlDocument (JSON plus locations), the first stage of loading a workflow.
//
// Built on yaml-cpp's event parser so that every value's position is kept and nothing throws out:
// syntax errors become diagnostics at yaml-cpp's mark. Beyond what yaml-cpp checks it rejects what
// a JSON-based workflow cannot hold or should not accept: more than one document, keys that are not
// scalars, duplicate keys, unsupported tags, numbers JSON cannot represent, nesting deeper than a
// limit, aliases that expand past a limit in values or in bytes (alias bombs), and quoted strings
// left unterminated at the end of the file (which yaml-cpp 0.7 silently accepts). Scalars resolve
// as in YAML 1.2's core schema (so `yes` is a string, `0x1F` an integer); `<<` merge keys are
// supported.
//
// Thread-safety: ReadYaml is reentrant.
#ifndef FLOWHOST_SERVER_WORKFLOW_YAML_READER_H_
#define FLOWHOST_SERVER_WORKFLOW_YAML_READER_H_

#include <cstddef>
#include <optional>

#include "server/workflow/reporter.h"
#include "server/workflow/source_text.h"
#include "server/workflow/yaml_document.h"

namespace flowhost::workflow {

struct YamlLimits {
  size_t max_depth = 64;  // nesting of mappings and sequences
  // Values that aliases may add by expansion (the rest is bounded by the file size).
  size_t max_alias_values = 100'000;
  // Bytes of text the reader may build: every scalar and key, once per place it appears once
  // aliases are expanded, plus the copy it keeps of each anchored value for its aliases. The
  // default file limit (4 MiB): a document never holds more text than the largest file written out
  // in full, and an anchored megabyte aliased many times (an alias bomb by size) is refused at the
  // alias that crosses it, before that alias is copied.
  size_t max_document_bytes = 4 * 1024 * 1024;
};

// Returns the document, or nullopt when the text cannot be read as one (every problem reported). A
// document with recoverable problems (a duplicate key, an unsupported tag) is returned and the
// problems are reported as errors.
std::optional<YamlDocument> ReadYaml(const SourceText& source, const YamlLimits& limits,
                                     Reporter& reporter);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_YAML_READER_H_
