// A workflow file as data: the YAML document converted to JSON, plus where every value was written.
//
// The loader checks the JSON (it is what node parameters and expressions work on) and uses the
// location map to point each diagnostic at the token it is about. Locations are keyed by JSON
// pointer
// ("/nodes/2/params/model") and hold byte offsets into the source text.
//
// Ownership: owns its JSON and its map; immutable once built; safe to read from any thread.
#ifndef FLOWHOST_SERVER_WORKFLOW_YAML_DOCUMENT_H_
#define FLOWHOST_SERVER_WORKFLOW_YAML_DOCUMENT_H_

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "flowhost/sdk/json.h"
#include "server/workflow/scalar_locator.h"

namespace flowhost::workflow {

inline constexpr size_t kNoOffset = std::numeric_limits<size_t>::max();

// Where one value of the document was written.
struct ValueLocation {
  size_t key_offset = kNoOffset;  // its key, when it is a mapping member written in the file
  size_t value_offset = 0;        // the first byte of the value (anchor and tag skipped)
  // True when a scalar was written at value_offset itself (not reached through an alias or a merge
  // key), so offsets inside its value can be mapped back to source columns.
  bool scalar = false;
  ScalarStyle style = ScalarStyle::kPlain;
};

class YamlDocument {
 public:
  YamlDocument(sdk::Json root, absl::flat_hash_map<std::string, ValueLocation> locations);

  const sdk::Json& root() const { return root_; }

  struct Lookup {
    const ValueLocation* location = nullptr;  // null only when nothing at all was recorded
    bool exact = false;  // false: the location of the nearest ancestor that has one
  };
  // The location of `pointer`. Values the loader adds (schema defaults) and values inside an alias
  // have none of their own; they get their nearest recorded ancestor's.
  Lookup Find(std::string_view pointer) const;

  // The keys of the mapping at `pointer` in the order they were written (JSON objects sort them).
  std::vector<std::string> KeysInFileOrder(std::string_view pointer) const;

 private:
  sdk::Json root_;
  absl::flat_hash_map<std::string, ValueLocation> locations_;
};

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_YAML_DOCUMENT_H_
