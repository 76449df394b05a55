#include "server/workflow/diagnostic.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace flowhost::workflow {

std::string Diagnostic::ToString() const {
  std::string out = location.file;
  if (location.line > 0) {
    absl::StrAppend(&out, ":", location.line);
    if (location.column > 0) absl::StrAppend(&out, ":", location.column);
  }
  absl::StrAppend(&out, ": ", is_error() ? "error" : "warning", ": ", message);
  return out;
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.is_error(); });
}

void SortDiagnostics(std::vector<Diagnostic>& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.location.file, a.location.line, a.location.column) <
                            std::tie(b.location.file, b.location.line, b.location.column);
                   });
}

std::string FormatDiagnostics(std::vector<Diagnostic> diagnostics) {
  SortDiagnostics(diagnostics);
  std::string out;
  for (const Diagnostic& diagnostic : diagnostics)
    absl::StrAppend(&out, diagnostic.ToString(), "\n");
  return out;
}

}  // namespace flowhost::workflow
