// A problem found in a workflow file, reported the way compilers do: FILE:LINE:COL: error: MESSAGE.
//
// Lines and columns are 1-based and point at the offending character (inside an expression when the
// problem is in one). Columns count bytes, as clang's do: a UTF-8 character before the offending
// one on the same line adds its byte length. Plain data: copy and share freely. `path` names the
// place structurally (`nodes[2].params.model`) for tools and for the ValidateWorkflow RPC.
#ifndef FLOWHOST_SERVER_WORKFLOW_DIAGNOSTIC_H_
#define FLOWHOST_SERVER_WORKFLOW_DIAGNOSTIC_H_

#include <string>
#include <vector>

namespace flowhost::workflow {

struct SourceLocation {
  std::string file;  // as given to the loader, for messages
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
};

struct Diagnostic {
  enum class Severity { kError, kWarning };

  Severity severity = Severity::kError;
  SourceLocation location;
  std::string path;  // e.g. "nodes[2].params.model"; empty for the file as a whole
  std::string message;

  bool is_error() const { return severity == Severity::kError; }
  // "FILE:LINE:COL: error: MESSAGE" (LINE:COL omitted when unknown).
  std::string ToString() const;
};

bool HasErrors(const std::vector<Diagnostic>& diagnostics);

// Sorts by file, line and column; diagnostics at the same place keep their order.
void SortDiagnostics(std::vector<Diagnostic>& diagnostics);

// All diagnostics, one per line (each ending in '\n'), sorted by line and column.
std::string FormatDiagnostics(std::vector<Diagnostic> diagnostics);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_DIAGNOSTIC_H_
