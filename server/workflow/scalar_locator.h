// Maps a byte offset inside a YAML scalar's *value* back to the byte in the source text that
// produced it, so that an error inside an expression points at the right column even when the YAML
// quoting changed the text (escapes in double quotes, '' in single quotes, line folding, block
// indentation).
//
// Exact for one-line plain, single-quoted and double-quoted scalars and for literal (|) blocks; for
// multi-line flow scalars and folded (>) blocks it finds the right line and a close column.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_WORKFLOW_SCALAR_LOCATOR_H_
#define FLOWHOST_SERVER_WORKFLOW_SCALAR_LOCATOR_H_

#include <cstddef>
#include <optional>
#include <string_view>

namespace flowhost::workflow {

enum class ScalarStyle { kPlain, kSingleQuoted, kDoubleQuoted, kLiteral, kFolded };

// Skips node properties (`&anchor`, `!tag`) and the white space after them, starting at `offset`
// (where the parser's mark for a node points), and returns the offset of the node's content.
size_t SkipNodeProperties(std::string_view text, size_t offset);

// The style of the scalar whose content starts at `offset`.
ScalarStyle StyleAt(std::string_view text, size_t offset);

// The source offset of the byte that produced byte `value_offset` of the value of the scalar
// starting at `start` (its opening quote or block indicator, or its first byte when plain).
size_t ScalarSourceOffset(std::string_view text, size_t start, ScalarStyle style,
                          size_t value_offset);

// For a quoted scalar starting at `start`: the offset just past its closing quote, or nullopt when
// the text ends first (yaml-cpp 0.7 accepts an unterminated quoted scalar at the end of the input).
std::optional<size_t> QuotedScalarEnd(std::string_view text, size_t start, ScalarStyle style);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_SCALAR_LOCATOR_H_
