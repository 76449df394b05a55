// Builds a YamlDocument from yaml-cpp's parser events: the JSON value and where every value was
// written. Used by ReadYaml (yaml_reader.h), which says what is accepted and refused.
//
// The stack holds the mappings and sequences being built; a finished value is delivered to the
// frame below it. Problems are collected rather than reported at once: after a syntax error, or a
// fatal problem of its own (nesting too deep, aliases expanding too far, the document's text past
// its byte limit, an unterminated quote; every further event is then ignored), what it found on
// that line and later is noise. Sizes are checked before anything is copied: an alias bomb by size
// fails at the alias that crosses the limit, having built no more than the limit.
//
// Ownership: views the SourceText and limits, which must outlive it. Used by one load, on one
// thread.
#ifndef FLOWHOST_SERVER_WORKFLOW_DOCUMENT_BUILDER_H_
#define FLOWHOST_SERVER_WORKFLOW_DOCUMENT_BUILDER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "flowhost/sdk/json.h"
#include "server/workflow/reporter.h"
#include "server/workflow/scalar_locator.h"
#include "server/workflow/source_text.h"
#include "server/workflow/yaml_document.h"
#include "server/workflow/yaml_reader.h"
#include "yaml-cpp/emitterstyle.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/mark.h"

namespace flowhost::workflow {

class DocumentBuilder final : public YAML::EventHandler {
 public:
  DocumentBuilder(const SourceText& source, const YamlLimits& limits);

  bool failed() const { return failed_; }
  bool has_root() const { return has_root_; }
  bool root_is_null() const { return root_.is_null(); }

  // Hands the problems found to the reporter, except those at or past `cutoff` (the start of a
  // syntax error's line) or the line of a fatal problem, which is reported last.
  void ReportProblems(Reporter& reporter, size_t cutoff = kNoOffset);

  YamlDocument Finish() && { return YamlDocument(std::move(root_), std::move(locations_)); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnAnchor(const YAML::Mark&, const std::string& name) override { pending_anchor_ = name; }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override;

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override;

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override;
  void OnSequenceEnd() override { EndContainer(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override;
  void OnMapEnd() override { EndContainer(); }

 private:
  struct Frame {
    bool is_map = false;
    sdk::Json value;
    std::string pointer;
    bool discard = false;  // a complex key, or the value of a rejected key: built, then dropped
    // An unquoted "{{ ... }}" that YAML read as a mapping: delivered as this text instead.
    std::optional<std::string> unquoted_expression;
    YAML::anchor_t anchor = 0;
    size_t offset = 0;  // where it starts
    size_t values = 1;  // values inside, itself included (an alias to it costs as much)
    size_t bytes = 0;   // text of the scalars and keys inside (an alias to it copies as much)
    // Mapping state: the key waiting for its value.
    bool expecting_key = true;
    std::string key;
    size_t key_offset = kNoOffset;
    bool skip_value = false;     // the pending key was rejected
    bool merge_pending = false;  // the pending key is "<<"
    absl::flat_hash_map<std::string, size_t> key_offsets;
    std::vector<std::pair<sdk::Json, size_t>> merges;  // "<<" sources, where they were written
  };

  enum class SlotKind { kRoot, kItem, kKey, kValue };
  struct Slot {
    SlotKind kind = SlotKind::kRoot;
    std::string pointer;
    bool record = true;
    size_t key_offset = kNoOffset;
  };

  struct AnchoredValue {
    sdk::Json value;
    size_t values = 1;
    size_t bytes = 0;
  };

  size_t MarkOffset(const YAML::Mark& mark) const;

  size_t ContentOffset(const YAML::Mark& mark) const;

  // The null literal written at `offset` (`~`, `null`, `Null`, `NULL`), if any.
  std::optional<std::string> NullLiteralAt(size_t offset) const;

  bool StartsWithNull(size_t offset) const { return NullLiteralAt(offset).has_value(); }

  // For a flow mapping starting at `offset` with "{{": the text up to the matching "}}" on the same
  // line, which the author meant as an expression.
  std::optional<std::string> UnquotedExpression(size_t offset) const;

  // Inside an unquoted "{{ ... }}" read as a mapping: its structure is an accident, not worth
  // reporting beyond the one error already given.
  bool Quiet() const;

  void Report(size_t offset, std::string message);

  void Fail(size_t offset, std::string message);

  // Adds `values` and `bytes` to the size of every mapping and sequence being built (an alias to
  // one of them costs its size).
  void CountValues(size_t values, size_t bytes);

  // Accounts for `bytes` of text about to be built; past limits.max_document_bytes the builder
  // fails at `offset`, the message ending with `why`, and returns false.
  bool BuildBytes(size_t bytes, size_t offset, std::string_view why);

  void NameAnchor(YAML::anchor_t anchor);

  Slot NextSlot() const;

  void Record(const Slot& slot, const ValueLocation& location);

  void AcceptKey(const std::string& key, size_t offset, bool plain);

  void RejectKey();

  void StartContainer(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                      bool is_map);

  void EndContainer();

  // Keys written in the mapping win over merged ones; earlier merge sources win over later ones.
  void ApplyMerges(Frame& frame);

  // Hands a finished value to the frame below (or makes it the root); an anchored one is also
  // kept, at `offset`'s expense of `bytes`, for its aliases.
  void Deliver(sdk::Json value, size_t values, size_t bytes, YAML::anchor_t anchor, size_t offset);

  const SourceText& source_;
  const YamlLimits& limits_;
  std::vector<std::pair<size_t, std::string>> problems_;  // (offset, message)
  bool failed_ = false;
  std::pair<size_t, std::string> fatal_;  // when failed_
  bool has_root_ = false;
  size_t alias_values_ = 0;
  size_t built_bytes_ = 0;  // text built so far, aliases' copies and anchors' kept copies included
  sdk::Json root_;
  std::vector<Frame> stack_;
  absl::flat_hash_map<std::string, ValueLocation> locations_;
  absl::flat_hash_map<YAML::anchor_t, AnchoredValue> anchors_;
  absl::flat_hash_map<YAML::anchor_t, std::string> anchor_names_;
  std::string pending_anchor_;
};

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_DOCUMENT_BUILDER_H_
