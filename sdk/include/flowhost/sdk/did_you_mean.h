// "Did you mean ...?" hints for configuration errors: the host uses them for unknown parameters, node
// types and functions; nodes may use them for their own names (outputs, models).
// Thread-safety: pure functions.
#ifndef FLOWHOST_SDK_DID_YOU_MEAN_H_
#define FLOWHOST_SDK_DID_YOU_MEAN_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flowhost::sdk {

// Edit distance counting insertions, deletions, substitutions and swaps of adjacent characters
// (optimal string alignment), so "modle" is 1 from "model".
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo (distance at most
// max(1, word.size() / 3)); empty otherwise. On a tie the candidate
// closest in length wins, then the earlier one.
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_DID_YOU_MEAN_H_
