// Opaque page tokens for the List methods (AIP-158). A token encodes the last name returned and the
// collection it belongs to, so a page continues after that name even if entries were added or
// removed in between, and a token from one method is refused by another.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_SERVICE_PAGE_TOKEN_H_
#define FLOWHOST_SERVER_SERVICE_PAGE_TOKEN_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace flowhost::service {

// The token that continues after `last_name` in `collection` ("workflows", "node_types").
std::string EncodePageToken(std::string_view collection, std::string_view last_name);

// The name to continue after; "" for an empty token. INVALID_ARGUMENT for a token this server did
// not make for `collection`.
absl::StatusOr<std::string> DecodePageToken(std::string_view collection, std::string_view token);

// The page size to use for a request's `page_size`: kDefault for 0, at most kMax; INVALID_ARGUMENT
// when negative.
absl::StatusOr<int> EffectivePageSize(int requested, int default_size, int max_size);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_PAGE_TOKEN_H_
