#include "server/workflow/suggest.h"

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/did_you_mean.h"

namespace flowhost::workflow {

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  // Comparing long words costs more than the hint is worth (the distance is quadratic).
  if (word.empty() || word.size() > 200) return "";
  std::string best = sdk::ClosestMatch(word, candidates);
  if (best.empty() || best == word) return "";
  return absl::StrCat(" (did you mean '", best, "'?)");
}

}  // namespace flowhost::workflow
