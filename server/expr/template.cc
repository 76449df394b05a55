#include "server/expr/template.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/expr/lexer.h"
#include "server/expr/parsed_expression.h"
#include "server/expr/template_internal.h"
#include "server/expr/value.h"

namespace flowhost::expr {
namespace {

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

class CompiledTemplate final : public Template {
 public:
  struct Part {
    std::string literal;  // text before the expression (escapes decoded)
    std::unique_ptr<const ParsedExpression> expression;  // null for the trailing text
    size_t offset = 0;  // of the expression's first byte in the template text
  };

  CompiledTemplate(std::string text, std::vector<Part> parts, const ExpressionLimits& limits)
      : text_(std::move(text)), parts_(std::move(parts)), limits_(limits) {
    size_t expressions = 0;
    bool blank = true;
    for (const Part& part : parts_) {
      blank = blank && IsBlank(part.literal);
      if (part.expression == nullptr) continue;
      ++expressions;
      for (Reference ref : part.expression->references()) {
        ref.offset += part.offset;
        references_.push_back(std::move(ref));
      }
    }
    literal_ = expressions == 0;
    single_ = expressions == 1 && blank;
    if (literal_) {
      for (const Part& part : parts_) literal_text_ += part.literal;
    }
  }

  bool is_literal() const override { return literal_; }

  absl::StatusOr<Json> Evaluate(const EvalScope& scope) const override {
    if (literal_) return Json(literal_text_);
    if (single_) {
      for (const Part& part : parts_) {
        if (part.expression != nullptr) return part.expression->EvaluateAt(scope, part.offset);
      }
    }
    std::string out;
    for (const Part& part : parts_) {
      out += part.literal;
      if (part.expression != nullptr) {
        absl::StatusOr<Json> value = part.expression->EvaluateAt(scope, part.offset);
        if (!value.ok()) return value.status();
        AppendStringified(out, *value);
      }
      if (out.size() > limits_.max_value_bytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the text would be larger than the limit of ", limits_.max_value_bytes, " bytes"));
      }
    }
    return Json(std::move(out));
  }

  const std::vector<Reference>& references() const override { return references_; }
  std::string_view text() const override { return text_; }
  const std::string* literal_value() const { return literal_ ? &literal_text_ : nullptr; }

 private:
  const std::string text_;
  const std::vector<Part> parts_;
  const ExpressionLimits limits_;
  std::vector<Reference> references_;
  bool literal_ = false;
  bool single_ = false;
  std::string literal_text_;
};

// Finds the `}}` closing the expression that starts at `start` by reading tokens, so that braces in
// string and object literals do not count. Returns its offset, or npos after recording an error.
size_t FindClose(std::string_view text, size_t open, std::string_view pointer,
                 std::vector<TemplateError>& errors) {
  Lexer lexer(text, open + 2);
  int depth = 0;
  while (true) {
    Token token;
    if (!lexer.Next(token)) {
      errors.push_back({std::string(pointer), lexer.error_offset(), lexer.error_message()});
      return std::string_view::npos;
    }
    if (token.is(TokenKind::kEnd)) {
      errors.push_back({std::string(pointer), open, "unterminated '{{' (no matching '}}')"});
      return std::string_view::npos;
    }
    if (token.is(TokenKind::kLBrace)) {
      ++depth;
    } else if (token.is(TokenKind::kRBrace)) {
      if (depth == 0 && token.offset + 1 < text.size() && text[token.offset + 1] == '}') {
        return token.offset;
      }
      if (depth > 0) --depth;
    }
  }
}

}  // namespace

const std::string* LiteralValue(const Template& compiled) {
  return static_cast<const CompiledTemplate&>(compiled).literal_value();
}

std::unique_ptr<const Template> Template::Compile(std::string_view text,
                                                  const ExpressionLimits& limits,
                                                  std::string_view pointer,
                                                  std::vector<TemplateError>& errors) {
  const size_t errors_before = errors.size();
  std::vector<CompiledTemplate::Part> parts;
  CompiledTemplate::Part current;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "\\{{") == 0) {
      current.literal += "{{";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "{{") != 0) {
      current.literal += text[i++];
      continue;
    }
    const size_t close = FindClose(text, i, pointer, errors);
    if (close == std::string_view::npos) break;  // the rest cannot be split reliably
    const size_t start = i + 2;
    ParseError error;
    current.expression = ParsedExpression::Create(text.substr(start, close - start), limits, error);
    if (current.expression == nullptr) {
      errors.push_back({std::string(pointer), start + error.offset, std::move(error.message)});
    }
    current.offset = start;
    parts.push_back(std::move(current));
    current = CompiledTemplate::Part();
    i = close + 2;
  }
  if (errors.size() != errors_before) return nullptr;
  if (!current.literal.empty() || parts.empty()) parts.push_back(std::move(current));
  return std::make_unique<CompiledTemplate>(std::string(text), std::move(parts), limits);
}

}  // namespace flowhost::expr
