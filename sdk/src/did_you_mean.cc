#include "flowhost/sdk/did_you_mean.h"

#include <algorithm>

namespace flowhost::sdk {

size_t EditDistance(std::string_view a, std::string_view b) {
  // Three rows: two back are needed for adjacent transpositions.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  size_t limit = std::max<size_t>(1, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  size_t best_length_gap = 0;
  for (const std::string& candidate : candidates) {
    size_t length_gap = candidate.size() > word.size() ? candidate.size() - word.size()
                                                        : word.size() - candidate.size();
    // The distance is at least the gap in length: a candidate that cannot beat or tie the best
    // so far is not measured (a long unknown word then costs no O(n * m) comparison per name).
    if (length_gap > best_distance) continue;
    size_t distance = EditDistance(word, candidate);
    // A candidate that keeps nothing of the word is a rewrite, not a typo: "x" is not "y", nor "ab"
    // a misspelt "b" (short words would otherwise match every other short word).
    if (distance >= word.size() || distance >= candidate.size()) continue;
    // On a tie, a candidate of the same length is the likelier typo ("modle": "model", not "mode").
    if (distance < best_distance || (distance == best_distance && length_gap < best_length_gap)) {
      best_distance = distance;
      best_length_gap = length_gap;
      best = candidate;
    }
  }
  return best;
}

}  // namespace flowhost::sdk
