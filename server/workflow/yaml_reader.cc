#include "server/workflow/yaml_reader.h"

#include <algorithm>
#include <istream>
#include <optional>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/common/utf8_text.h"
#include "server/workflow/document_builder.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/yaml.h"

namespace flowhost::workflow {
namespace {

// An input stream over the source text that does not copy it (yaml-cpp reads from a stream): a
// large file is then held once less while it is parsed. Only reads; the text is never written.
class TextStreamBuffer final : public std::streambuf {
 public:
  explicit TextStreamBuffer(std::string_view text) {
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

// Notices whether a second document starts.
class DocumentStartProbe final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark start;
};

size_t OffsetOfMark(const SourceText& source, const YAML::Mark& mark) {
  if (mark.pos >= 0) return std::min(static_cast<size_t>(mark.pos), source.size());
  if (mark.line >= 0) {
    return source.LineStart(mark.line + 1) + static_cast<size_t>(std::max(0, mark.column));
  }
  return 0;
}

// The first tab in the indentation of the line holding `offset` or the line before it: the usual
// cause of YAML syntax errors in hand-written files, and one yaml-cpp does not name.
std::optional<size_t> IndentationTab(const SourceText& source, size_t offset) {
  int line = source.Locate(offset).line;
  for (int candidate = std::max(1, line - 1); candidate <= line; ++candidate) {
    size_t begin = source.LineStart(candidate);
    for (size_t i = begin; i < source.size(); ++i) {
      char c = source.text()[i];
      if (c == '\t') return i;
      if (c != ' ') break;
    }
  }
  return std::nullopt;
}

void ReportSyntaxError(const SourceText& source, const YAML::Exception& error, Reporter& reporter) {
  size_t offset = OffsetOfMark(source, error.mark);
  if (std::optional<size_t> tab = IndentationTab(source, offset)) {
    reporter.ErrorAtOffset(*tab,
                           "YAML syntax error: a tab in the indentation (YAML indents with "
                           "spaces only)");
    return;
  }
  // yaml-cpp quotes one byte of a character it cannot escape ("unknown escape character: \xC3").
  reporter.ErrorAtOffset(
      offset, absl::StrCat("YAML syntax error: ", common::ReplaceInvalidUtf8(error.msg)));
}

}  // namespace

std::optional<YamlDocument> ReadYaml(const SourceText& source, const YamlLimits& limits,
                                     Reporter& reporter) {
  TextStreamBuffer buffer(source.text());
  std::istream stream(&buffer);
  DocumentBuilder builder(source, limits);
  try {
    YAML::Parser parser(stream);
    bool found = parser.HandleNextDocument(builder);
    if (found && !builder.failed()) {
      DocumentStartProbe probe;
      if (parser.HandleNextDocument(probe)) {
        builder.ReportProblems(reporter);
        reporter.ErrorAtOffset(OffsetOfMark(source, probe.start),
                               "a workflow file holds one YAML document; a second one starts here");
        return std::nullopt;
      }
    }
  } catch (const YAML::Exception& error) {
    // After a fatal problem of its own the builder ignored the rest; yaml-cpp's complaint about it
    // (its own depth guard, say) would only repeat the news.
    if (builder.failed()) {
      builder.ReportProblems(reporter);
    } else {
      size_t offset = OffsetOfMark(source, error.mark);
      builder.ReportProblems(reporter, source.LineStart(source.Locate(offset).line));
      ReportSyntaxError(source, error, reporter);
    }
    return std::nullopt;
  } catch (const std::exception& error) {
    builder.ReportProblems(reporter);
    reporter.FileError(absl::StrCat("cannot read the YAML: ", error.what()));
    return std::nullopt;
  }
  bool failed = builder.failed();
  builder.ReportProblems(reporter);
  if (failed) return std::nullopt;
  if (!builder.has_root() || builder.root_is_null()) {
    reporter.ErrorAtOffset(0, "the file is empty: a workflow needs at least 'name' and 'nodes'");
    return std::nullopt;
  }
  return std::move(builder).Finish();
}

}  // namespace flowhost::workflow
