#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/item_bytes.h"
#include "flowhost/sdk/json_pointer.h"
#include "server/expr/template.h"
#include "server/expr/template_internal.h"

namespace flowhost::expr {
namespace {

// One step from a value to its child: an object key or an array index.
using PathStep = std::variant<std::string, size_t>;

class CompiledJsonImpl final : public CompiledJson {
 public:
  struct Leaf {
    std::string pointer;
    std::vector<PathStep> path;
    std::unique_ptr<const Template> compiled;
    bool deferred = false;
  };

  CompiledJsonImpl(Json raw, std::vector<Leaf> leaves)
      : raw_(std::move(raw)), base_(raw_), leaves_(std::move(leaves)) {
    for (const Leaf& leaf : leaves_) {
      if (!leaf.compiled->is_literal()) {
        dynamic_pointers_.push_back(leaf.pointer);
        if (!leaf.deferred) is_static_ = false;
      } else if (!leaf.deferred) {
        // A literal with `\{{` escapes evaluates to its decoded text, not to what was written.
        const std::string* value = LiteralValue(*leaf.compiled);
        if (*value != leaf.compiled->text()) {
          *At(base_, leaf.path) = *value;
          is_static_ = false;
        }
      }
      if (leaf.deferred) deferred_.emplace_back(leaf.pointer, leaf.compiled.get());
    }
    std::sort(dynamic_pointers_.begin(), dynamic_pointers_.end());
    std::sort(deferred_.begin(), deferred_.end());
  }

  bool is_static() const override { return is_static_; }
  const Json& raw() const override { return raw_; }

  bool IsDynamic(std::string_view pointer) const override {
    if (std::binary_search(dynamic_pointers_.begin(), dynamic_pointers_.end(), pointer)) {
      return true;
    }
    // Descendants of `pointer` are exactly the pointers that start with pointer + "/".
    std::string prefix = std::string(pointer) + "/";
    auto it = std::lower_bound(dynamic_pointers_.begin(), dynamic_pointers_.end(), prefix);
    return it != dynamic_pointers_.end() && it->compare(0, prefix.size(), prefix) == 0;
  }

  absl::StatusOr<Json> Evaluate(const EvalScope& scope) const override {
    return EvaluateWithin(scope, std::numeric_limits<size_t>::max());
  }

  absl::StatusOr<Json> EvaluateWithin(const EvalScope& scope, size_t max_bytes) const override {
    if (is_static_) return raw_;
    Json out = base_;
    size_t bytes = 0;
    for (const Leaf& leaf : leaves_) {
      if (leaf.deferred || leaf.compiled->is_literal()) continue;
      absl::StatusOr<Json> value = leaf.compiled->Evaluate(scope);
      std::string_view name =
          leaf.pointer.empty() ? std::string_view("(root)") : std::string_view(leaf.pointer);
      if (!value.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("in parameter ", sdk::AsAbsl(name), ": ", value.status().message()));
      }
      if (max_bytes != std::numeric_limits<size_t>::max()) {
        bytes += sdk::ItemBytes(*value);
        if (bytes > max_bytes) {
          return absl::ResourceExhaustedError(
              absl::StrCat("evaluating parameter ", sdk::AsAbsl(name)));
        }
      }
      *At(out, leaf.path) = *std::move(value);
    }
    return out;
  }

  // The element of `root` at `path` (which exists: paths come from walking the raw tree).
  static Json* At(Json& root, const std::vector<PathStep>& path) {
    Json* target = &root;
    for (const PathStep& step : path) {
      if (const auto* key = std::get_if<std::string>(&step)) {
        target = &(*target)[*key];
      } else {
        target = &(*target)[std::get<size_t>(step)];
      }
    }
    return target;
  }

  const Template* FindDeferred(std::string_view pointer) const override {
    auto it = std::lower_bound(deferred_.begin(), deferred_.end(), pointer,
                               [](const std::pair<std::string, const Template*>& entry,
                                  std::string_view p) { return entry.first < p; });
    if (it == deferred_.end() || it->first != pointer) return nullptr;
    return it->second;
  }

  std::vector<LocatedReference> references() const override {
    std::vector<LocatedReference> out;
    for (const Leaf& leaf : leaves_) {
      for (const Reference& ref : leaf.compiled->references()) {
        out.push_back(LocatedReference{leaf.pointer, ref});
      }
    }
    return out;
  }

 private:
  const Json raw_;
  Json base_;  // raw_ with escaped literals decoded: what evaluation starts from
  const std::vector<Leaf> leaves_;             // every string leaf, in document order
  std::vector<std::string> dynamic_pointers_;  // leaves holding an expression, sorted
  std::vector<std::pair<std::string, const Template*>> deferred_;  // sorted by pointer
  bool is_static_ = true;
};

struct Walker {
  const ExpressionLimits& limits;
  const CompiledJson::DeferredPredicate& deferred;
  std::vector<TemplateError>& errors;
  std::vector<CompiledJsonImpl::Leaf> leaves;
  std::string pointer;
  std::vector<PathStep> path;

  void Walk(const Json& value, bool inside_deferred) {
    const bool is_deferred = inside_deferred || (deferred && deferred(pointer));
    if (value.is_string()) {
      auto compiled =
          Template::Compile(value.get_ref<const std::string&>(), limits, pointer, errors);
      if (compiled != nullptr) {
        leaves.push_back({pointer, path, std::move(compiled), is_deferred});
      }
      return;
    }
    if (value.is_object()) {
      for (auto it = value.begin(); it != value.end(); ++it) {
        std::string parent = std::exchange(pointer, sdk::ChildPointer(pointer, it.key()));
        path.emplace_back(it.key());
        Walk(it.value(), is_deferred);
        path.pop_back();
        pointer = std::move(parent);
      }
    } else if (value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        std::string parent = std::exchange(pointer, sdk::ChildPointer(pointer, i));
        path.emplace_back(i);
        Walk(value[i], is_deferred);
        path.pop_back();
        pointer = std::move(parent);
      }
    }
  }
};

}  // namespace

std::unique_ptr<const CompiledJson> CompiledJson::Compile(const Json& value,
                                                          const ExpressionLimits& limits,
                                                          const DeferredPredicate& deferred,
                                                          std::vector<TemplateError>& errors) {
  const size_t errors_before = errors.size();
  Walker walker{limits, deferred, errors, {}, "", {}};
  walker.Walk(value, /*inside_deferred=*/false);
  if (errors.size() != errors_before) return nullptr;
  return std::make_unique<CompiledJsonImpl>(value, std::move(walker.leaves));
}

}  // namespace flowhost::expr
