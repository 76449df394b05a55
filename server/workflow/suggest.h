// "Did you mean" hints for misspelt keys, names and types, worded for diagnostics. The matching
// itself is the SDK's (flowhost/sdk/did_you_mean.h), shared with the schema checker.
//
// Thread-safety: pure function.
#ifndef FLOWHOST_SERVER_WORKFLOW_SUGGEST_H_
#define FLOWHOST_SERVER_WORKFLOW_SUGGEST_H_

#include <string>
#include <string_view>
#include <vector>

namespace flowhost::workflow {

// " (did you mean 'x'?)" for the closest candidate, or "" when none is close enough to be a typo.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_SUGGEST_H_
