#include "server/workflow/document_builder.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/common/utf8_text.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/yaml_scalar.h"

namespace flowhost::workflow {
namespace {

constexpr std::string_view kKeptForAliases =
    " (an anchored value counts twice: a copy is kept for its aliases)";

}  // namespace

using sdk::Json;

DocumentBuilder::DocumentBuilder(const SourceText& source, const YamlLimits& limits)
    : source_(source), limits_(limits) {}

void DocumentBuilder::ReportProblems(Reporter& reporter, size_t cutoff) {
  if (failed_) cutoff = std::min(cutoff, source_.LineStart(source_.Locate(fatal_.first).line));
  for (auto& [offset, message] : problems_) {
    if (offset < cutoff) reporter.ErrorAtOffset(offset, std::move(message));
  }
  if (failed_) reporter.ErrorAtOffset(fatal_.first, std::move(fatal_.second));
  problems_.clear();
  failed_ = false;
}

void DocumentBuilder::OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) {
  if (failed_) return;
  size_t offset = ContentOffset(mark);
  CountValues(1, 0);
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
  Deliver(Json(nullptr), 1, 0, anchor, offset);
}

void DocumentBuilder::OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) {
  if (failed_) return;
  size_t offset = MarkOffset(mark);
  auto it = anchors_.find(anchor);
  size_t values = it == anchors_.end() ? 1 : it->second.values;
  size_t bytes = it == anchors_.end() ? 0 : it->second.bytes;
  alias_values_ += values;
  if (alias_values_ > limits_.max_alias_values) {
    Fail(offset, absl::StrCat("aliases expand to more than ", limits_.max_alias_values,
                              " values (an alias bomb?)"));
    return;
  }
  if (!BuildBytes(bytes, offset,
                  absl::StrCat(": alias '*", anchor_names_[anchor], "' repeats ", bytes,
                               " bytes here (an alias bomb?)"))) {
    return;
  }
  CountValues(values, bytes);
  Json value;
  if (it == anchors_.end()) {
    Report(offset,
           absl::StrCat("alias '*", anchor_names_[anchor], "' refers to a value that contains it"));
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
  Deliver(std::move(value), values, bytes, 0, offset);
}

void DocumentBuilder::OnScalar(const YAML::Mark& mark, const std::string& tag,
                               YAML::anchor_t anchor, const std::string& yaml_cpp_text) {
  if (failed_) return;
  // "\N" and "\_" come out of yaml-cpp as bytes that are not UTF-8; every string of the document
  // must be (its JSON is dumped strictly later), so they are written as the characters they mean.
  const std::optional<std::string> repaired = common::RepairYamlCppEscapes(yaml_cpp_text);
  const std::string& text = repaired.has_value() ? *repaired : yaml_cpp_text;
  size_t offset = ContentOffset(mark);
  if (!BuildBytes(text.size(), offset, "")) return;
  CountValues(1, text.size());
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
    if (anchor != 0) {
      if (!BuildBytes(text.size(), offset, kKeptForAliases)) return;
      anchors_[anchor] = {Json(text), 1, text.size()};
    }
    AcceptKey(text, offset, /*plain=*/tag == "?");
    return;
  }
  ResolvedScalar resolved = ResolveScalar(tag, text);
  if (!resolved.error.empty()) {
    // A problem that comes from an explicit tag is pointed at the tag.
    Report(tag == "?" || tag == "!" ? offset : MarkOffset(mark), resolved.error);
  }
  Record(slot, {slot.key_offset, offset, true, style});
  Deliver(std::move(resolved.value), 1, text.size(), anchor, offset);
}

void DocumentBuilder::OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                                      YAML::anchor_t anchor, YAML::EmitterStyle::value) {
  StartContainer(mark, tag, anchor, /*is_map=*/false);
}

void DocumentBuilder::OnMapStart(const YAML::Mark& mark, const std::string& tag,
                                 YAML::anchor_t anchor, YAML::EmitterStyle::value) {
  StartContainer(mark, tag, anchor, /*is_map=*/true);
}

size_t DocumentBuilder::MarkOffset(const YAML::Mark& mark) const {
  if (mark.pos < 0) return 0;
  return std::min(static_cast<size_t>(mark.pos), source_.size());
}

size_t DocumentBuilder::ContentOffset(const YAML::Mark& mark) const {
  return SkipNodeProperties(source_.text(), MarkOffset(mark));
}

std::optional<std::string> DocumentBuilder::NullLiteralAt(size_t offset) const {
  std::string_view rest = source_.text().substr(offset);
  for (std::string_view literal : {"~", "null", "Null", "NULL"}) {
    if (rest.substr(0, literal.size()) == literal) return std::string(literal);
  }
  return std::nullopt;
}

std::optional<std::string> DocumentBuilder::UnquotedExpression(size_t offset) const {
  std::string_view text = source_.text();
  if (text.substr(offset, 2) != "{{") return std::nullopt;
  size_t line_end = text.find('\n', offset);
  std::string_view line = text.substr(
      offset, line_end == std::string_view::npos ? std::string_view::npos : line_end - offset);
  size_t close = line.rfind("}}");
  if (close == std::string_view::npos || close < 2) return std::nullopt;
  return std::string(line.substr(0, close + 2));
}

bool DocumentBuilder::Quiet() const {
  return std::any_of(stack_.begin(), stack_.end(),
                     [](const Frame& frame) { return frame.unquoted_expression.has_value(); });
}

void DocumentBuilder::Report(size_t offset, std::string message) {
  if (!Quiet()) problems_.emplace_back(offset, std::move(message));
}

void DocumentBuilder::Fail(size_t offset, std::string message) {
  fatal_ = {offset, std::move(message)};
  failed_ = true;
}

void DocumentBuilder::CountValues(size_t values, size_t bytes) {
  for (Frame& frame : stack_) {
    frame.values += values;
    frame.bytes += bytes;
  }
}

bool DocumentBuilder::BuildBytes(size_t bytes, size_t offset, std::string_view why) {
  if (bytes > limits_.max_document_bytes - built_bytes_) {
    Fail(offset, absl::StrCat("the document would hold more than ", limits_.max_document_bytes,
                              " bytes of text", sdk::AsAbsl(why)));
    return false;
  }
  built_bytes_ += bytes;
  return true;
}

void DocumentBuilder::NameAnchor(YAML::anchor_t anchor) {
  if (anchor != 0) anchor_names_[anchor] = pending_anchor_;
}

DocumentBuilder::Slot DocumentBuilder::NextSlot() const {
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

void DocumentBuilder::Record(const Slot& slot, const ValueLocation& location) {
  if (slot.record) locations_[slot.pointer] = location;
}

void DocumentBuilder::AcceptKey(const std::string& key, size_t offset, bool plain) {
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

void DocumentBuilder::RejectKey() {
  Frame& top = stack_.back();
  top.expecting_key = false;
  top.skip_value = true;
  top.key_offset = kNoOffset;
}

void DocumentBuilder::StartContainer(const YAML::Mark& mark, const std::string& tag,
                                     YAML::anchor_t anchor, bool is_map) {
  if (failed_) return;
  size_t offset = ContentOffset(mark);
  CountValues(1, 0);
  NameAnchor(anchor);
  if (stack_.size() >= limits_.max_depth) {
    Fail(offset,
         absl::StrCat("the document is nested more than ", limits_.max_depth, " levels deep"));
    return;
  }
  const char* standard = is_map ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq";
  if (tag != "?" && tag != "!" && tag != standard) {
    std::string error = ResolveScalar(tag, "").error;
    if (error.empty()) {  // a scalar's standard tag: !!str, !!null, ...
      error = absl::StrCat("the tag '", ShownTag(tag), "' is for a single value, not for a ",
                           is_map ? "mapping" : "list");
    }
    Report(MarkOffset(mark), std::move(error));  // at the tag, as for a scalar's
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
      frame.offset = offset;
      stack_.push_back(std::move(frame));
      return;
    }
  }
  frame.is_map = is_map;
  frame.value = is_map ? Json::object() : Json::array();
  frame.anchor = anchor;
  frame.offset = offset;
  frame.discard = !slot.record;
  frame.pointer = slot.pointer;
  if (slot.kind != SlotKind::kKey) {
    Record(slot, {slot.key_offset, offset, false, ScalarStyle::kPlain});
  } else {
    Report(offset, "a mapping key must be a string, number or boolean");
  }
  stack_.push_back(std::move(frame));
}

void DocumentBuilder::EndContainer() {
  if (failed_ || stack_.empty()) return;
  Frame frame = std::move(stack_.back());
  stack_.pop_back();
  if (frame.unquoted_expression.has_value()) {
    size_t bytes = frame.unquoted_expression->size();
    Deliver(Json(std::move(*frame.unquoted_expression)), frame.values, bytes, frame.anchor,
            frame.offset);
    return;
  }
  if (frame.is_map) ApplyMerges(frame);
  Deliver(std::move(frame.value), frame.values, frame.bytes, frame.anchor, frame.offset);
}

void DocumentBuilder::ApplyMerges(Frame& frame) {
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

void DocumentBuilder::Deliver(Json value, size_t values, size_t bytes, YAML::anchor_t anchor,
                              size_t offset) {
  if (anchor != 0) {
    if (!BuildBytes(bytes, offset, kKeptForAliases)) return;
    anchors_[anchor] = {value, values, bytes};
  }
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
    bool mergeable = value.is_object() ||
                     (value.is_array() && std::all_of(value.begin(), value.end(),
                                                      [](const Json& v) { return v.is_object(); }));
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

}  // namespace flowhost::workflow
