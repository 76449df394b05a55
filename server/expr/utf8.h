// UTF-8 helpers for the string functions, which count in Unicode code points (not bytes and not
// UTF-16 units): length("héllo") is 5. Invalid bytes count as one code point each.
// Stateless; safe from any thread.
#ifndef FLOWHOST_SERVER_EXPR_UTF8_H_
#define FLOWHOST_SERVER_EXPR_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flowhost::expr {

// The number of code points in `text`.
size_t CodePointCount(std::string_view text);

// The byte offset where code point `index` starts (text.size() when index >= the count).
size_t CodePointOffset(std::string_view text, size_t index);

// `text` split into one string per code point.
std::vector<std::string> SplitCodePoints(std::string_view text);

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_UTF8_H_
