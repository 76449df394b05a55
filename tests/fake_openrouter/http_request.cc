#include "tests/fake_openrouter/http_request.h"

#include <charconv>
#include <cstdint>

namespace flowhost::fake_openrouter {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// True when the comma-separated header value contains `token` (case-insensitive).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view part = Trim(value.substr(0, comma));
    if (EqualsIgnoreCase(part, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

ParseOutcome Error(int status, std::string message) {
  ParseOutcome outcome;
  outcome.state = ParseState::kError;
  outcome.error_status = status;
  outcome.error_message = std::move(message);
  return outcome;
}

// Finds the end of the head (the blank line); returns the offset just past it, or npos.
size_t FindHeadEnd(std::string_view input) {
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] != '\n') continue;
    if (i + 1 < input.size() && input[i + 1] == '\n') return i + 2;
    if (i + 2 < input.size() && input[i + 1] == '\r' && input[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

// Takes one line (without its LF / CRLF) off the front of `*rest`; false when no full line is
// there.
bool TakeLine(std::string_view* rest, std::string_view* line) {
  size_t lf = rest->find('\n');
  if (lf == std::string_view::npos) return false;
  *line = rest->substr(0, lf);
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  rest->remove_prefix(lf + 1);
  return true;
}

enum class ChunkedResult { kNeedMore, kComplete, kError };

// Decodes a chunked body at the start of `input`; on kComplete sets `*consumed` and `*body`.
ChunkedResult DecodeChunked(std::string_view input, size_t max_body, size_t* consumed,
                            std::string* body, std::string* error) {
  std::string_view rest = input;
  std::string decoded;
  while (true) {
    std::string_view line;
    if (!TakeLine(&rest, &line)) return ChunkedResult::kNeedMore;
    std::string_view size_text = Trim(line.substr(0, line.find(';')));
    uint64_t size = 0;
    auto [ptr, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || ptr != size_text.data() + size_text.size() || size_text.empty()) {
      *error = "bad chunk size line";
      return ChunkedResult::kError;
    }
    if (size == 0) {
      // Trailers, then the blank line.
      while (true) {
        std::string_view trailer;
        if (!TakeLine(&rest, &trailer)) return ChunkedResult::kNeedMore;
        if (trailer.empty()) break;
      }
      *consumed = input.size() - rest.size();
      *body = std::move(decoded);
      return ChunkedResult::kComplete;
    }
    if (decoded.size() + size > max_body) {
      *error = "request body too large";
      return ChunkedResult::kError;
    }
    if (rest.size() < size + 1) return ChunkedResult::kNeedMore;
    decoded.append(rest.substr(0, size));
    rest.remove_prefix(size);
    std::string_view end;
    if (!TakeLine(&rest, &end)) return ChunkedResult::kNeedMore;
    if (!end.empty()) {
      *error = "chunk data longer than its size";
      return ChunkedResult::kError;
    }
  }
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

const std::string* HttpRequest::FindHeader(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

ParseOutcome ParseRequest(std::string_view input, const ParseLimits& limits, HttpRequest* request) {
  // Tolerate blank lines before a request (RFC 9112 section 2.2).
  size_t skipped = 0;
  while (skipped < input.size() && (input[skipped] == '\r' || input[skipped] == '\n')) ++skipped;
  std::string_view data = input.substr(skipped);

  size_t head_end = FindHeadEnd(data);
  if (head_end == std::string_view::npos) {
    if (data.size() > limits.max_head_bytes) return Error(431, "request head too large");
    return ParseOutcome{};
  }
  if (head_end > limits.max_head_bytes) return Error(431, "request head too large");

  HttpRequest parsed;
  std::string_view head = data.substr(0, head_end);
  std::string_view line;
  TakeLine(&head, &line);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) {
    return Error(400, "malformed request line");
  }
  std::string_view version = line.substr(sp2 + 1);
  if (version == "HTTP/1.1") {
    parsed.version_minor = 1;
  } else if (version == "HTTP/1.0") {
    parsed.version_minor = 0;
  } else {
    return Error(505, "only HTTP/1.0 and HTTP/1.1 are served");
  }
  parsed.method = std::string(line.substr(0, sp1));
  parsed.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  parsed.path = parsed.target.substr(0, parsed.target.find('?'));

  bool chunked = false;
  bool has_length = false;
  uint64_t content_length = 0;
  bool connection_close = false;
  bool connection_keep_alive = false;
  while (TakeLine(&head, &line)) {
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Error(400, "malformed header line");
    std::string_view name = line.substr(0, colon);
    std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "content-length")) {
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), content_length);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        return Error(400, "bad Content-Length");
      }
      has_length = true;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      if (!HasToken(value, "chunked")) return Error(501, "unsupported Transfer-Encoding");
      chunked = true;
    } else if (EqualsIgnoreCase(name, "connection")) {
      connection_close = connection_close || HasToken(value, "close");
      connection_keep_alive = connection_keep_alive || HasToken(value, "keep-alive");
    } else if (EqualsIgnoreCase(name, "expect")) {
      parsed.expects_continue = EqualsIgnoreCase(value, "100-continue");
    }
    parsed.headers.emplace_back(std::string(name), std::string(value));
  }
  parsed.keep_alive = parsed.version_minor == 1 ? !connection_close : connection_keep_alive;

  std::string_view rest = data.substr(head_end);
  size_t body_consumed = 0;
  if (chunked) {
    std::string error;
    switch (DecodeChunked(rest, limits.max_body_bytes, &body_consumed, &parsed.body, &error)) {
      case ChunkedResult::kNeedMore: {
        ParseOutcome outcome;
        outcome.head_complete = true;
        outcome.expects_continue = parsed.expects_continue;
        return outcome;
      }
      case ChunkedResult::kError:
        return Error(error == "request body too large" ? 413 : 400, error);
      case ChunkedResult::kComplete:
        break;
    }
  } else if (has_length) {
    if (content_length > limits.max_body_bytes) return Error(413, "request body too large");
    if (rest.size() < content_length) {
      ParseOutcome outcome;
      outcome.head_complete = true;
      outcome.expects_continue = parsed.expects_continue;
      return outcome;
    }
    parsed.body = std::string(rest.substr(0, content_length));
    body_consumed = content_length;
  }

  ParseOutcome outcome;
  outcome.state = ParseState::kComplete;
  outcome.consumed = skipped + head_end + body_consumed;
  *request = std::move(parsed);
  return outcome;
}

}  // namespace flowhost::fake_openrouter
