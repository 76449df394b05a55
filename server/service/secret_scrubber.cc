#include "server/service/secret_scrubber.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace flowhost::service {
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

// Replaces the token that follows each occurrence of `prefix` (case-insensitive) with kRedacted,
// keeping the prefix when `keep_prefix` (so "Bearer abc" reads "Bearer <redacted>").
void RedactAfter(std::string& text, std::string_view prefix, bool keep_prefix) {
  auto lower_equal = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  size_t from = 0;
  while (true) {
    auto it =
        std::search(text.begin() + from, text.end(), prefix.begin(), prefix.end(), lower_equal);
    if (it == text.end()) return;
    size_t start = static_cast<size_t>(it - text.begin());
    size_t token_start = start + prefix.size();
    size_t end = token_start;
    while (end < text.size() && IsTokenChar(text[end])) ++end;
    if (end == token_start || text.compare(token_start, kRedacted.size(), kRedacted) == 0) {
      from = token_start;
      continue;
    }
    size_t replace_from = keep_prefix ? token_start : start;
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
  RedactAfter(out, "Bearer ", /*keep_prefix=*/true);
  RedactAfter(out, "sk-or-", /*keep_prefix=*/false);
  return out;
}

}  // namespace flowhost::service
