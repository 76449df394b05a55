// Pagination of the List methods (AIP-158): opaque page tokens, page sizes, and the page a request
// asks for. A token encodes the last name returned and the collection it belongs to, so a page
// continues after that name even if entries were added or removed in between, and a token from one
// method is refused by another.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_SERVICE_PAGE_TOKEN_H_
#define FLOWHOST_SERVER_SERVICE_PAGE_TOKEN_H_

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace flowhost::service {

// Page sizes of the List methods: the default for 0, and the most returned.
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// The token that continues after `last_name` in `collection` ("workflows", "node_types").
std::string EncodePageToken(std::string_view collection, std::string_view last_name);

// The name to continue after; "" for an empty token. INVALID_ARGUMENT for a token this server did
// not make for `collection`.
absl::StatusOr<std::string> DecodePageToken(std::string_view collection, std::string_view token);

// The page size to use for a request's `page_size`: kDefault for 0, at most kMax; INVALID_ARGUMENT
// when negative.
absl::StatusOr<int> EffectivePageSize(int requested, int default_size, int max_size);

// One page of a list: the entries [begin, end), and the token for the next page ("" on the last).
struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::string next_page_token;
};

// The page of `sorted` (in ascending order of `name_of(entry)`, a std::string) that a List request
// in `collection` asks for with `page_size` and `page_token`. INVALID_ARGUMENT for a negative
// page_size or a token not made for `collection`.
template <typename Entry, typename NameOf>
absl::StatusOr<Page> FindPage(const std::vector<Entry>& sorted, NameOf name_of,
                              std::string_view collection, int page_size,
                              std::string_view page_token) {
  absl::StatusOr<int> size = EffectivePageSize(page_size, kDefaultPageSize, kMaxPageSize);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after = DecodePageToken(collection, page_token);
  if (!after.ok()) return after.status();
  Page page;
  if (!after->empty()) {
    page.begin = std::upper_bound(sorted.begin(), sorted.end(), *after,
                                  [&name_of](const std::string& name, const Entry& entry) {
                                    return name < name_of(entry);
                                  }) -
                 sorted.begin();
  }
  page.end = std::min(sorted.size(), page.begin + static_cast<size_t>(*size));
  if (page.end < sorted.size()) {
    page.next_page_token = EncodePageToken(collection, name_of(sorted[page.end - 1]));
  }
  return page;
}

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_PAGE_TOKEN_H_
