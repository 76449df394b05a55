#include "server/workflow/reporter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/scalar_locator.h"

namespace flowhost::workflow {

Reporter::Reporter(std::string file, const SourceText& source)
    : file_(std::move(file)), source_(source) {}

SourceLocation Reporter::LocationOf(size_t offset) const {
  LineColumn where = source_.Locate(offset);
  return {file_, where.line, where.column};
}

void Reporter::Keep(Diagnostic diagnostic) {
  if (diagnostic.is_error()) ++errors_;
  if (diagnostics_.size() >= kMaxDiagnostics) {
    ++dropped_;
    return;
  }
  diagnostics_.push_back(std::move(diagnostic));
}

void Reporter::ErrorAtOffset(size_t offset, std::string message) {
  Keep({Diagnostic::Severity::kError, LocationOf(offset), "", std::move(message)});
}

void Reporter::FileError(std::string message) {
  Keep({Diagnostic::Severity::kError, {file_, 0, 0}, "", std::move(message)});
}

void Reporter::Error(std::string_view pointer, std::string message, Part part) {
  Add(Diagnostic::Severity::kError, pointer, part, std::nullopt, std::move(message));
}

void Reporter::Warning(std::string_view pointer, std::string message, Part part) {
  Add(Diagnostic::Severity::kWarning, pointer, part, std::nullopt, std::move(message));
}

void Reporter::ErrorInScalar(std::string_view pointer, size_t value_offset, std::string message) {
  Add(Diagnostic::Severity::kError, pointer, Part::kValue, value_offset, std::move(message));
}

void Reporter::WarningInScalar(std::string_view pointer, size_t value_offset,
                               std::string message) {
  Add(Diagnostic::Severity::kWarning, pointer, Part::kValue, value_offset, std::move(message));
}

std::optional<size_t> Reporter::OffsetOf(std::string_view pointer, Part part,
                                         std::optional<size_t> value_offset) const {
  if (document_ == nullptr) return std::nullopt;
  YamlDocument::Lookup lookup = document_->Find(pointer);
  if (lookup.location == nullptr) return std::nullopt;
  const ValueLocation& location = *lookup.location;
  if (lookup.exact && part == Part::kKey && location.key_offset != kNoOffset) {
    return location.key_offset;
  }
  if (lookup.exact && value_offset.has_value() && location.scalar) {
    return ScalarSourceOffset(source_.text(), location.value_offset, location.style, *value_offset);
  }
  return location.value_offset;
}

SourceLocation Reporter::Locate(std::string_view pointer, Part part) const {
  std::optional<size_t> offset = OffsetOf(pointer, part, std::nullopt);
  return offset.has_value() ? LocationOf(*offset) : SourceLocation{file_, 0, 0};
}

int Reporter::LineOf(std::string_view pointer, Part part) const {
  std::optional<size_t> offset = OffsetOf(pointer, part, std::nullopt);
  return offset.has_value() ? source_.Locate(*offset).line : 0;
}

void Reporter::Add(Diagnostic::Severity severity, std::string_view pointer, Part part,
                   std::optional<size_t> value_offset, std::string message) {
  if (diagnostics_.size() >= kMaxDiagnostics) {  // dropped: skip the cost of locating it
    Keep({severity, {}, "", ""});
    return;
  }
  Diagnostic diagnostic;
  diagnostic.severity = severity;
  diagnostic.message = std::move(message);
  diagnostic.location = {file_, 0, 0};
  if (document_ != nullptr) diagnostic.path = PointerToPath(document_->root(), pointer);
  if (std::optional<size_t> offset = OffsetOf(pointer, part, value_offset)) {
    diagnostic.location = LocationOf(*offset);
  }
  Keep(std::move(diagnostic));
}

std::vector<Diagnostic> Reporter::Take() {
  std::vector<Diagnostic> out = std::move(diagnostics_);
  if (dropped_ > 0) {
    out.push_back({Diagnostic::Severity::kWarning,
                   {file_, 0, 0},
                   "",
                   absl::StrCat(dropped_, " more problem(s) not shown; fix the first ",
                                kMaxDiagnostics, " and load again")});
  }
  diagnostics_.clear();
  errors_ = 0;
  dropped_ = 0;
  return out;
}

}  // namespace flowhost::workflow
