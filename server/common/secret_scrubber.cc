#include "server/common/secret_scrubber.h"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace flowhost::common {
namespace {

constexpr std::string_view kRedacted = "<redacted>";

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

// Replaces every occurrence of `needle` in `text`.
void ReplaceAll(std::string& text, std::string_view needle, std::string_view with) {
  if (needle.empty()) return;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + with.size())) {
    text.replace(at, needle.size(), with);
  }
}

// A credential-like token: 12 characters or more with a digit or both cases ("sk-or-v1-3f9c...",
// a JWT, "Tk7Q..."), never a word such as "token" or "authentication".
bool LooksLikeToken(std::string_view token) {
  if (token.size() < 12) return false;
  bool digit = false, upper = false, lower = false;
  for (char c : token) {
    digit = digit || std::isdigit(static_cast<unsigned char>(c));
    upper = upper || std::isupper(static_cast<unsigned char>(c));
    lower = lower || std::islower(static_cast<unsigned char>(c));
  }
  return digit || (upper && lower);
}

bool AtLeast8(std::string_view token) { return token.size() >= 8; }
bool AtLeast20(std::string_view token) { return token.size() >= 20; }

// One shape rule: `prefix` at the start of a word, followed by a token for which `secret` holds.
struct ShapeRule {
  std::string_view prefix;
  bool ignore_case;
  bool keep_prefix;  // "Bearer <redacted>" rather than "<redacted>"
  bool (*secret)(std::string_view token);
};

constexpr ShapeRule kShapeRules[] = {
    {"sk-or-", /*ignore_case=*/false, /*keep_prefix=*/false, AtLeast8},  // OpenRouter's keys
    {"sk-", /*ignore_case=*/false, /*keep_prefix=*/false, AtLeast20},    // other providers' keys
    {"Bearer ", /*ignore_case=*/true, /*keep_prefix=*/true, LooksLikeToken},
};

void Redact(std::string& text, const ShapeRule& rule) {
  auto equal = [&rule](char a, char b) {
    if (!rule.ignore_case) return a == b;
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  size_t from = 0;
  while (from < text.size()) {
    auto it = std::search(text.begin() + static_cast<std::ptrdiff_t>(from), text.end(),
                          rule.prefix.begin(), rule.prefix.end(), equal);
    if (it == text.end()) return;
    size_t start = static_cast<size_t>(it - text.begin());
    size_t token_start = start + rule.prefix.size();
    size_t end = token_start;
    while (end < text.size() && IsTokenChar(text[end])) ++end;
    while (end > token_start && text[end - 1] == '.') --end;  // a sentence's full stop
    bool word_start = start == 0 || !IsTokenChar(text[start - 1]);
    if (!word_start ||
        !rule.secret(std::string_view(text).substr(token_start, end - token_start))) {
      from = start + 1;
      continue;
    }
    size_t replace_from = rule.keep_prefix ? token_start : start;
    text.replace(replace_from, end - replace_from, kRedacted);
    from = replace_from + kRedacted.size();
  }
}

}  // namespace

SecretScrubber::SecretScrubber(std::vector<std::string> secrets) {
  for (std::string& secret : secrets) {
    if (secret.size() >= kMinSecretLength) secrets_.push_back(std::move(secret));
  }
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
}

std::string SecretScrubber::Scrub(std::string_view text) const {
  std::string out(text);
  for (const std::string& secret : secrets_) ReplaceAll(out, secret, kRedacted);
  for (const ShapeRule& rule : kShapeRules) Redact(out, rule);
  return out;
}

bool SecretScrubber::ContainsSecret(std::string_view text) const {
  return std::any_of(secrets_.begin(), secrets_.end(), [text](const std::string& secret) {
    return text.find(secret) != std::string_view::npos;
  });
}

}  // namespace flowhost::common
