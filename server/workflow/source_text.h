// The text of a workflow file with a line index: turns byte offsets (what the YAML parser and the
// expression compiler report) into the 1-based line and byte column that diagnostics show.
//
// Ownership: views the text it is given, which must outlive it. Immutable after construction; safe
// to read from any thread.
#ifndef FLOWHOST_SERVER_WORKFLOW_SOURCE_TEXT_H_
#define FLOWHOST_SERVER_WORKFLOW_SOURCE_TEXT_H_

#include <cstddef>
#include <string_view>
#include <vector>

namespace flowhost::workflow {

struct LineColumn {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes
};

class SourceText {
 public:
  explicit SourceText(std::string_view text);

  std::string_view text() const { return text_; }
  size_t size() const { return text_.size(); }

  // Where byte `offset` is; an offset past the end is the position just after the last byte.
  LineColumn Locate(size_t offset) const;

  // The byte offset of the first byte of 1-based `line` (the end of the text past the last line).
  size_t LineStart(int line) const;
  int line_count() const { return static_cast<int>(line_starts_.size()); }

 private:
  std::string_view text_;
  std::vector<size_t> line_starts_;  // offset of the first byte of each line
};

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_SOURCE_TEXT_H_
