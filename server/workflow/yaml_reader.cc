#include "server/workflow/yaml_reader.h"

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/scalar_locator.h"
#include "server/workflow/yaml_scalar.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/yaml.h"

namespace flowhost::workflow {
namespace {

using sdk::Json;

// Builds the JSON value and the location map from yaml-cpp's events. The stack holds the mappings
// and sequences being built; a finished value is delivered to the frame below it. Once a fatal
// problem is found (too deep, too large, unterminated quote) every further event is ignored.
class DocumentBuilder final : public YAML::EventHandler {
 public:
  DocumentBuilder(const SourceText& source, const YamlLimits& limits)
      : source_(source), limits_(limits) {}

  bool failed() const { return failed_; }
  bool has_root() const { return has_root_; }
  bool root_is_null() const { return root_.is_null(); }

  // Hands the problems found to the reporter, except those at or past `cutoff` (after a syntax
  // error, what the parser made of the text around it is not worth reporting).
  // The same goes for the line of a fatal problem, which is reported last.
  void ReportProblems(Reporter& reporter, size_t cutoff = kNoOffset) {
    if (failed_) cutoff = std::min(cutoff, source_.LineStart(source_.Locate(fatal_.first).line));
    for (auto& [offset, message] : problems_) {
      if (offset < cutoff) reporter.ErrorAtOffset(offset, std::move(message));
    }
    if (failed_) reporter.ErrorAtOffset(fatal_.first, std::move(fatal_.second));
    problems_.clear();
    failed_ = false;
  }

  YamlDocument Finish() && { return YamlDocument(std::move(root_), std::move(locations_)); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnAnchor(const YAML::Mark&, const std::string& name) override { pending_anchor_ = name; }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (failed_) return;
    size_t offset = ContentOffset(mark);
    CountValues(1);
    NameAnchor(anchor);
    Slot slot = NextSlot();
    if (slot.kind == SlotKind::kKey) {
      // `null:` or `~:` as a key is that text, as JSON keys are strings; a missing key is an error.
      if (std::optional<std::string> literal = NullLiteralAt(offset)) {
        AcceptKey(*literal, offset, /*plain=*/true);
      } else {
        Report(offset, "a mapping key must not be empty");
        RejectKey();
      }
      return;
    }
    // An empty value ("key:" with nothing after it) has no token of its own: point at its key.
    bool written = StartsWithNull(offset);
    size_t value_offset = !written && slot.key_offset != kNoOffset ? slot.key_offset : offset;
    Record(slot, {slot.key_offset, value_offset, written, ScalarStyle::kPlain});
    Deliver(Json(nullptr), 1, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (failed_) return;
    size_t offset = MarkOffset(mark);
    auto it = anchors_.find(anchor);
    size_t values = it == anchors_.end() ? 1 : it->second.values;
    alias_values_ += values;
    if (alias_values_ > limits_.max_alias_values) {
      Fail(offset, absl::StrCat("aliases expand to more than ", limits_.max_alias_values,
                                " values (an alias bomb?)"));
      return;
    }
    CountValues(values);
    Json value;
    if (it == anchors_.end()) {
      Report(offset, absl::StrCat("alias '*", anchor_names_[anchor],
                                  "' refers to a value that contains it"));
    } else {
      value = it->second.value;
    }
    Slot slot = NextSlot();
    if (slot.kind == SlotKind::kKey) {
      if (value.is_string()) {
        AcceptKey(value.get<std::string>(), offset, /*plain=*/false);
      } else if (value.is_number() || value.is_boolean()) {
        AcceptKey(value.dump(), offset, /*plain=*/false);
      } else {
        Report(offset, "a mapping key must be a string, number or boolean");
        RejectKey();
      }
      return;
    }
    Record(slot, {slot.key_offset, offset, false, ScalarStyle::kPlain});
    Deliver(std::move(value), values, 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    if (failed_) return;
    size_t offset = ContentOffset(mark);
    CountValues(1);
    NameAnchor(anchor);
    ScalarStyle style = StyleAt(source_.text(), offset);
    if ((style == ScalarStyle::kSingleQuoted || style == ScalarStyle::kDoubleQuoted) &&
        !QuotedScalarEnd(source_.text(), offset, style).has_value()) {
      Fail(offset,
           absl::StrCat("unterminated ", style == ScalarStyle::kSingleQuoted ? "single" : "double",
                        "-quoted string: the closing quote is missing"));
      return;
    }
    Slot slot = NextSlot();
    if (slot.kind == SlotKind::kKey) {
      if (anchor != 0) anchors_[anchor] = {Json(text), 1};
      AcceptKey(text, offset, /*plain=*/tag == "?");
      return;
    }
    ResolvedScalar resolved = ResolveScalar(tag, text);
    if (!resolved.error.empty()) {
      // A problem that comes from an explicit tag is pointed at the tag.
      Report(tag == "?" || tag == "!" ? offset : MarkOffset(mark), resolved.error);
    }
    Record(slot, {slot.key_offset, offset, true, style});
    Deliver(std::move(resolved.value), 1, anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    StartContainer(mark, tag, anchor, /*is_map=*/false);
  }
  void OnSequenceEnd() override { EndContainer(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    StartContainer(mark, tag, anchor, /*is_map=*/true);
  }
  void OnMapEnd() override { EndContainer(); }

 private:
  struct Frame {
    bool is_map = false;
    Json value;
    std::string pointer;
    bool discard = false;  // a complex key, or the value of a rejected key: built, then dropped
    // An unquoted "{{ ... }}" that YAML read as a mapping: delivered as this text instead.
    std::optional<std::string> unquoted_expression;
    YAML::anchor_t anchor = 0;
    size_t values = 1;  // values inside, itself included (an alias to it costs as much)
    // Mapping state: the key waiting for its value.
    bool expecting_key = true;
    std::string key;
    size_t key_offset = kNoOffset;
    bool skip_value = false;     // the pending key was rejected
    bool merge_pending = false;  // the pending key is "<<"
    absl::flat_hash_map<std::string, size_t> key_offsets;
    std::vector<std::pair<Json, size_t>> merges;  // "<<" sources, where they were written
  };

  enum class SlotKind { kRoot, kItem, kKey, kValue };
  struct Slot {
    SlotKind kind = SlotKind::kRoot;
    std::string pointer;
    bool record = true;
    size_t key_offset = kNoOffset;
  };

  struct AnchoredValue {
    Json value;
    size_t values = 1;
  };

  size_t MarkOffset(const YAML::Mark& mark) const {
    if (mark.pos < 0) return 0;
    return std::min(static_cast<size_t>(mark.pos), source_.size());
  }

  size_t ContentOffset(const YAML::Mark& mark) const {
    return SkipNodeProperties(source_.text(), MarkOffset(mark));
  }

  // The null literal written at `offset` (`~`, `null`, `Null`, `NULL`), if any.
  std::optional<std::string> NullLiteralAt(size_t offset) const {
    std::string_view rest = source_.text().substr(offset);
    for (std::string_view literal : {"~", "null", "Null", "NULL"}) {
      if (rest.substr(0, literal.size()) == literal) return std::string(literal);
    }
    return std::nullopt;
  }

  bool StartsWithNull(size_t offset) const { return NullLiteralAt(offset).has_value(); }

  // For a flow mapping starting at `offset` with "{{": the text up to the matching "}}" on the same
  // line, which the author meant as an expression.
  std::optional<std::string> UnquotedExpression(size_t offset) const {
    std::string_view text = source_.text();
    if (text.substr(offset, 2) != "{{") return std::nullopt;
    size_t line_end = text.find('\n', offset);
    std::string_view line = text.substr(
        offset, line_end == std::string_view::npos ? std::string_view::npos : line_end - offset);
    size_t close = line.rfind("}}");
    if (close == std::string_view::npos || close < 2) return std::nullopt;
    return std::string(line.substr(0, close + 2));
  }

  // Inside an unquoted "{{ ... }}" read as a mapping: its structure is an accident, not worth
  // reporting beyond the one error already given.
  bool Quiet() const {
    return std::any_of(stack_.begin(), stack_.end(),
                       [](const Frame& frame) { return frame.unquoted_expression.has_value(); });
  }

  void Report(size_t offset, std::string message) {
    if (!Quiet()) problems_.emplace_back(offset, std::move(message));
  }

  void Fail(size_t offset, std::string message) {
    fatal_ = {offset, std::move(message)};
    failed_ = true;
  }

  // Adds `values` to the size of every mapping and sequence being built (an alias to one of them
  // costs its size).
  void CountValues(size_t values) {
    for (Frame& frame : stack_) frame.values += values;
  }

  void NameAnchor(YAML::anchor_t anchor) {
    if (anchor != 0) anchor_names_[anchor] = pending_anchor_;
  }

  Slot NextSlot() const {
    Slot slot;
    if (stack_.empty()) return slot;
    const Frame& top = stack_.back();
    if (!top.is_map) {
      slot.kind = SlotKind::kItem;
      slot.record = !top.discard;
      if (slot.record) slot.pointer = ChildPointer(top.pointer, top.value.size());
    } else if (top.expecting_key) {
      slot.kind = SlotKind::kKey;
      slot.record = false;
    } else {
      slot.kind = SlotKind::kValue;
      slot.record = !top.discard && !top.skip_value && !top.merge_pending;
      slot.key_offset = top.key_offset;
      if (slot.record) slot.pointer = ChildPointer(top.pointer, top.key);
    }
    return slot;
  }

  void Record(const Slot& slot, const ValueLocation& location) {
    if (slot.record) locations_[slot.pointer] = location;
  }

  void AcceptKey(const std::string& key, size_t offset, bool plain) {
    Frame& top = stack_.back();
    top.expecting_key = false;
    top.key_offset = offset;
    if (plain && key == "<<") {
      top.merge_pending = true;
      return;
    }
    auto [it, inserted] = top.key_offsets.emplace(key, offset);
    if (!inserted) {
      Report(offset, absl::StrCat("duplicate key '", key, "' (first written at line ",
                                  source_.Locate(it->second).line, ")"));
      top.skip_value = true;
      return;
    }
    top.key = key;
  }

  void RejectKey() {
    Frame& top = stack_.back();
    top.expecting_key = false;
    top.skip_value = true;
    top.key_offset = kNoOffset;
  }

  void StartContainer(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                      bool is_map) {
    if (failed_) return;
    size_t offset = ContentOffset(mark);
    CountValues(1);
    NameAnchor(anchor);
    if (stack_.size() >= limits_.max_depth) {
      Fail(offset,
           absl::StrCat("the document is nested more than ", limits_.max_depth, " levels deep"));
      return;
    }
    const char* standard = is_map ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq";
    if (tag != "?" && tag != "!" && tag != standard) {
      Report(offset, ResolveScalar(tag, "").error);
    }
    Slot slot = NextSlot();
    Frame frame;
    if (is_map && slot.kind != SlotKind::kKey) {
      frame.unquoted_expression = UnquotedExpression(offset);
      if (frame.unquoted_expression.has_value()) {
        Report(offset,
               "an expression that starts a value must be quoted: YAML "
               "reads an unquoted '{{' as a mapping (write \"{{ ... }}\")");
        Record(slot, {slot.key_offset, offset, true, ScalarStyle::kPlain});
        frame.discard = true;
        frame.is_map = true;
        frame.value = Json::object();
        frame.anchor = anchor;
        stack_.push_back(std::move(frame));
        return;
      }
    }
    frame.is_map = is_map;
    frame.value = is_map ? Json::object() : Json::array();
    frame.anchor = anchor;
    frame.discard = !slot.record;
    frame.pointer = slot.pointer;
    if (slot.kind != SlotKind::kKey) {
      Record(slot, {slot.key_offset, offset, false, ScalarStyle::kPlain});
    } else {
      Report(offset, "a mapping key must be a string, number or boolean");
    }
    stack_.push_back(std::move(frame));
  }

  void EndContainer() {
    if (failed_ || stack_.empty()) return;
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.unquoted_expression.has_value()) {
      Deliver(Json(std::move(*frame.unquoted_expression)), frame.values, frame.anchor);
      return;
    }
    if (frame.is_map) ApplyMerges(frame);
    Deliver(std::move(frame.value), frame.values, frame.anchor);
  }

  // Keys written in the mapping win over merged ones; earlier merge sources win over later ones.
  void ApplyMerges(Frame& frame) {
    for (auto& [source, offset] : frame.merges) {
      std::vector<const Json*> objects;
      if (source.is_object()) {
        objects.push_back(&source);
      } else {
        for (const Json& element : source) objects.push_back(&element);
      }
      for (const Json* object : objects) {
        for (const auto& [key, value] : object->items()) {
          if (frame.value.contains(key)) continue;
          frame.value[key] = value;
          if (!frame.discard) {
            locations_[ChildPointer(frame.pointer, key)] = {offset, offset, false,
                                                            ScalarStyle::kPlain};
          }
        }
      }
    }
  }

  void Deliver(Json value, size_t values, YAML::anchor_t anchor) {
    if (anchor != 0) anchors_[anchor] = {value, values};
    if (stack_.empty()) {
      root_ = std::move(value);
      has_root_ = true;
      return;
    }
    Frame& top = stack_.back();
    if (!top.is_map) {
      top.value.push_back(std::move(value));
      return;
    }
    if (top.expecting_key) {  // a complex key, already reported when it started
      RejectKey();
      return;
    }
    if (top.merge_pending) {
      bool mergeable =
          value.is_object() ||
          (value.is_array() &&
           std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_object(); }));
      if (mergeable) {
        top.merges.emplace_back(std::move(value), top.key_offset);
      } else {
        Report(top.key_offset, "a merge key ('<<') needs a mapping or a list of mappings");
      }
    } else if (!top.skip_value) {
      top.value[top.key] = std::move(value);
    }
    top.expecting_key = true;
    top.skip_value = false;
    top.merge_pending = false;
    top.key.clear();
    top.key_offset = kNoOffset;
  }

  const SourceText& source_;
  const YamlLimits& limits_;
  std::vector<std::pair<size_t, std::string>> problems_;  // (offset, message)
  bool failed_ = false;
  std::pair<size_t, std::string> fatal_;  // when failed_
  bool has_root_ = false;
  size_t alias_values_ = 0;
  Json root_;
  std::vector<Frame> stack_;
  absl::flat_hash_map<std::string, ValueLocation> locations_;
  absl::flat_hash_map<YAML::anchor_t, AnchoredValue> anchors_;
  absl::flat_hash_map<YAML::anchor_t, std::string> anchor_names_;
  std::string pending_anchor_;
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
  if (mark.line >= 0)
    return source.LineStart(mark.line + 1) + static_cast<size_t>(std::max(0, mark.column));
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
  reporter.ErrorAtOffset(offset, absl::StrCat("YAML syntax error: ", error.msg));
}

}  // namespace

std::optional<YamlDocument> ReadYaml(const SourceText& source, const YamlLimits& limits,
                                     Reporter& reporter) {
  std::istringstream stream{std::string(source.text())};
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
