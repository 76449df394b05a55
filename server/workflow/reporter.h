// Collects the diagnostics of one load and gives each its place: a JSON pointer into the document
// (and optionally a byte offset inside a scalar's value) becomes FILE:LINE:COL plus a structural
// path.
//
// Ownership: views the SourceText and YamlDocument it is given; both must outlive it. Used by one
// load, on one thread.
#ifndef FLOWHOST_SERVER_WORKFLOW_REPORTER_H_
#define FLOWHOST_SERVER_WORKFLOW_REPORTER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/workflow/diagnostic.h"
#include "server/workflow/source_text.h"
#include "server/workflow/yaml_document.h"

namespace flowhost::workflow {

// Which token of a mapping member a diagnostic points at.
enum class Part {
  kValue,  // the value (a wrong type, a bad value)
  kKey,    // the key (an unknown key; a mapping that lacks a required key is pointed at by its key)
};

class Reporter {
 public:
  // Beyond this many diagnostics the rest are counted, not kept (like a compiler's error limit): a
  // generated file with thousands of the same mistake should not print thousands of lines.
  static constexpr size_t kMaxDiagnostics = 200;

  Reporter(std::string file, const SourceText& source);

  // Enables pointer-based reporting; before this only AtOffset works.
  void set_document(const YamlDocument* document) { document_ = document; }
  const YamlDocument* document() const { return document_; }

  // A problem at byte `offset` of the source (YAML syntax), with no structural path.
  void ErrorAtOffset(size_t offset, std::string message);

  void Error(std::string_view pointer, std::string message, Part part = Part::kValue);
  void Warning(std::string_view pointer, std::string message, Part part = Part::kValue);

  // A problem at byte `value_offset` of the string at `pointer` (inside an expression). Falls back
  // to the value's start when the string was not written as a scalar there.
  void ErrorInScalar(std::string_view pointer, size_t value_offset, std::string message);
  void WarningInScalar(std::string_view pointer, size_t value_offset, std::string message);

  // A problem with no place in the file (it cannot be read, it is too large).
  void FileError(std::string message);

  // Where a diagnostic about `pointer` would point.
  SourceLocation Locate(std::string_view pointer, Part part = Part::kValue) const;

  // The 1-based line `pointer` is reported at (0 when unknown), for messages that refer to another
  // place ("first used at line 4").
  int LineOf(std::string_view pointer, Part part = Part::kValue) const;

  bool has_errors() const { return errors_ > 0; }
  // The diagnostics, plus a warning saying how many were dropped past kMaxDiagnostics.
  std::vector<Diagnostic> Take();

 private:
  void Keep(Diagnostic diagnostic);
  void Add(Diagnostic::Severity severity, std::string_view pointer, Part part,
           std::optional<size_t> value_offset, std::string message);
  SourceLocation LocationOf(size_t offset) const;
  // The source offset a diagnostic about `pointer` points at, or nullopt without a document.
  std::optional<size_t> OffsetOf(std::string_view pointer, Part part,
                                 std::optional<size_t> value_offset) const;

  std::string file_;
  const SourceText& source_;
  const YamlDocument* document_ = nullptr;
  std::vector<Diagnostic> diagnostics_;
  int errors_ = 0;
  size_t dropped_ = 0;
};

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_REPORTER_H_
