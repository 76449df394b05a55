// Fuzz target: the expression language. The input is read twice: as one expression (the code
// between `{{` and `}}`), and as a template (a parameter string with `{{ }}` parts), each with the
// default limits except the value budget: 64 KiB here, not 8 MiB. Every budget check is reached
// the same way, with values 128 times smaller: an input such as `split(repeat(s, 5039), '')` then
// costs milliseconds, not seconds, and no longer holds the campaign to ~150 runs per second.
// (tests/expr covers the default budget.) Whatever compiles is evaluated, twice, against the
// expression tests' standard scope (items, inputs, vars, an allowlisted variable, upstream node
// outputs, a fixed clock).
//
// Invariants beyond "no crash, no leak, no undefined behaviour": a parse error points inside the
// source; every reference points inside the source; a failure is INVALID_ARGUMENT with a message;
// evaluation is pure, so the second evaluation gives the same value or the same error; from a
// source that is valid UTF-8 (as every workflow and request is), every string of the value and
// every message is valid UTF-8 too (the host dumps values strictly).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/absl_compat.h"
#include "server/expr/expression.h"
#include "server/expr/template.h"
#include "tests/expr/eval_helpers.h"
#include "tests/fuzz/fuzz_check.h"

namespace flowhost::fuzz {
namespace {

using expr::testing::Canonical;

expr::ExpressionLimits FuzzLimits() {
  expr::ExpressionLimits limits;
  limits.max_value_bytes = 64 * 1024;
  return limits;
}

std::string Outcome(const absl::StatusOr<sdk::Json>& result) {
  return result.ok() ? Canonical(*result) : result.status().ToString();
}

template <typename Compiled>
void EvaluateTwice(const Compiled& compiled, std::string_view source) {
  absl::StatusOr<sdk::Json> first = compiled.Evaluate(expr::testing::StandardScope());
  if (!first.ok()) {
    FUZZ_CHECK(first.status().code() == absl::StatusCode::kInvalidArgument, first.status());
    FUZZ_CHECK(!first.status().message().empty(), source);
  }
  if (IsValidUtf8(source)) {
    FUZZ_CHECK(
        first.ok() ? DumpsStrictly(*first) : IsValidUtf8(sdk::AsStd(first.status().message())),
        "not UTF-8: " << Outcome(first));
  }
  absl::StatusOr<sdk::Json> second = compiled.Evaluate(expr::testing::StandardScope());
  FUZZ_CHECK(Outcome(first) == Outcome(second),
             "first: " << Outcome(first) << "\nsecond: " << Outcome(second));
}

void CheckReferences(const std::vector<expr::Reference>& references, std::string_view source) {
  for (const expr::Reference& reference : references) {
    FUZZ_CHECK(reference.offset < source.size(),
               "reference to '" << reference.name << "' at " << reference.offset);
  }
}

void FuzzExpression(std::string_view source) {
  expr::ParseError error;
  auto parsed = expr::Expression::Parse(source, FuzzLimits(), &error);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument, parsed.status());
    FUZZ_CHECK(error.offset <= source.size(), "error at " << error.offset << ": " << error.message);
    FUZZ_CHECK(!error.message.empty(), parsed.status());
    return;
  }
  CheckReferences((*parsed)->references(), source);
  EvaluateTwice(**parsed, source);
}

void FuzzTemplate(std::string_view text) {
  std::vector<expr::TemplateError> errors;
  auto compiled = expr::Template::Compile(text, FuzzLimits(), "/fuzz", errors);
  if (compiled == nullptr) {
    FUZZ_CHECK(!errors.empty(), "a template failed without an error");
    for (const expr::TemplateError& error : errors) {
      FUZZ_CHECK(error.pointer == "/fuzz", error.pointer);
      FUZZ_CHECK(error.offset <= text.size(), "error at " << error.offset << ": " << error.message);
      FUZZ_CHECK(!error.message.empty(), "an error without a message at " << error.offset);
    }
    return;
  }
  FUZZ_CHECK(errors.empty(), errors.front().message);
  CheckReferences(compiled->references(), text);
  EvaluateTwice(*compiled, text);
}

}  // namespace
}  // namespace flowhost::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  flowhost::fuzz::FuzzExpression(text);
  flowhost::fuzz::FuzzTemplate(text);
  return 0;
}
