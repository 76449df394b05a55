// A catalogue query: which catalogue models to keep (free, id glob or regular expression, author,
// minimum context length, modalities, supported parameters, price caps), in which order, and how
// many. `openrouter.models` lists its result; `router.fallback`'s query routes call it. Built once
// from parameters, then run against catalogue snapshots.
//
// Thread-safety: an immutable value after FromParams; Run may be called from any thread.
#ifndef FLOWHOST_OPENROUTER_MODEL_QUERY_H_
#define FLOWHOST_OPENROUTER_MODEL_QUERY_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/json.h"

namespace re2 {
class RE2;
}

namespace flowhost::nodes::openrouter {

// Shell-style matching: '*' any run of characters (including '/'), '?' one character.
bool GlobMatch(std::string_view pattern, std::string_view text);

// The query's parameters as JSON schema properties (free, id, id_regex, author, ...), for the
// schemas of the nodes that take a query.
sdk::Json ModelQueryProperties();

struct ModelQuery {
  enum class Sort { kCatalogue, kPrice, kContextLength, kCreated, kName };

  bool free_only = false;
  std::string id_glob;                       // empty: any
  std::shared_ptr<const re2::RE2> id_regex;  // null: any; searched, not anchored
  std::vector<std::string> authors;          // empty: any
  int64_t min_context_length = 0;
  std::vector<std::string> input_modalities;      // the model must accept all of them
  std::vector<std::string> output_modalities;     // the model must produce all of them
  std::vector<std::string> supported_parameters;  // the model must support all of them
  std::optional<double> max_prompt_price;         // USD per million tokens
  std::optional<double> max_completion_price;     // USD per million tokens
  Sort sort = Sort::kCatalogue;
  bool descending = false;
  size_t limit = 0;  // 0: no limit

  // From the models node's evaluated parameters (schema in models_node.cc). INVALID_ARGUMENT for a
  // regular expression that does not compile.
  static absl::StatusOr<ModelQuery> FromParams(const sdk::Json& params);

  bool Matches(const CatalogueModel& model) const;

  // The matching models, sorted (ties keep catalogue order) and limited.
  std::vector<const CatalogueModel*> Run(const Catalogue& catalogue) const;
};

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_OPENROUTER_MODEL_QUERY_H_
