// A problem found in a workflow file, reported the way compilers do: FILE:LINE:COL: error: MESSAGE.
//
// Lines and columns are 1-based and point at the offending character (inside an expression when the
// problem is in one). `path` names the place structurally (`nodes[2].params.model`) for tools and for the
// ValidateWorkflow RPC.
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

// All diagnostics, one per line, sorted by line and column.
std::string FormatDiagnostics(std::vector<Diagnostic> diagnostics);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_DIAGNOSTIC_H_
