#include "server/workflow/source_text.h"

#include <algorithm>

namespace flowhost::workflow {

SourceText::SourceText(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

LineColumn SourceText::Locate(size_t offset) const {
  offset = std::min(offset, text_.size());
  // The last line start that is <= offset.
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line_index = static_cast<size_t>(it - line_starts_.begin()) - 1;
  return {static_cast<int>(line_index) + 1,
          static_cast<int>(offset - line_starts_[line_index]) + 1};
}

size_t SourceText::LineStart(int line) const {
  if (line < 1) return 0;
  if (static_cast<size_t>(line) > line_starts_.size()) return text_.size();
  return line_starts_[static_cast<size_t>(line) - 1];
}

}  // namespace flowhost::workflow
