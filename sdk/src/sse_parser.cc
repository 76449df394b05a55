#include "flowhost/sdk/sse_parser.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/error.h"

// Follows the WHATWG "event stream interpretation" rules: a line is a comment (leading ':'), a
// field
// ("name: value", one space after the colon dropped) or blank (dispatch). Two deliberate
// differences, both stated in the header: an event still pending at Finish() is dispatched rather
// than dropped, and a line over the cap fails the stream. As in the spec, `id` persists until a
// later `id:` replaces it, and an event without any `data:` line is not dispatched.

namespace flowhost::sdk {

SseParser::SseParser(EventCallback on_event, CommentCallback on_comment, size_t max_line_bytes)
    : on_event_(std::move(on_event)),
      on_comment_(std::move(on_comment)),
      max_line_bytes_(max_line_bytes) {}

absl::Status SseParser::Feed(std::string_view chunk) {
  auto too_long = [this]() {
    failed_ = true;
    line_.clear();
    return NodeError(absl::StatusCode::kResourceExhausted, error_class::kMalformedResponse,
                     absl::StrCat("SSE line longer than ", max_line_bytes_, " bytes"));
  };
  if (failed_) {
    return NodeError(absl::StatusCode::kFailedPrecondition, error_class::kMalformedResponse,
                     "SSE stream already failed (a line exceeded the cap)");
  }
  size_t pos = 0;
  if (last_was_cr_ && !chunk.empty()) {
    // The previous chunk ended in CR: an LF here completes that CRLF, not a new blank line.
    if (chunk[0] == '\n') pos = 1;
    last_was_cr_ = false;
  }
  while (pos < chunk.size()) {
    size_t end = chunk.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) {
      if (line_.size() + (chunk.size() - pos) > max_line_bytes_) return too_long();
      line_.append(chunk.substr(pos));
      break;
    }
    std::string_view piece = chunk.substr(pos, end - pos);
    if (line_.size() + piece.size() > max_line_bytes_) return too_long();
    if (line_.empty()) {
      ProcessLine(piece);  // the common case: the whole line is inside this chunk, no copy
    } else {
      line_.append(piece);
      std::string line = std::move(line_);
      line_.clear();
      ProcessLine(line);
    }
    pos = end + 1;
    if (chunk[end] == '\r') {
      if (pos == chunk.size()) {
        last_was_cr_ = true;
      } else if (chunk[pos] == '\n') {
        ++pos;
      }
    }
  }
  return absl::OkStatus();
}

void SseParser::Finish() {
  if (failed_) return;
  if (!line_.empty()) {
    std::string line = std::move(line_);
    line_.clear();
    ProcessLine(line);
  }
  Dispatch();
  last_was_cr_ = false;
}

void SseParser::ProcessLine(std::string_view line) {
  if (line.empty()) {
    Dispatch();
    return;
  }
  if (line.front() == ':') {
    std::string_view comment = line.substr(1);
    if (!comment.empty() && comment.front() == ' ') comment.remove_prefix(1);
    if (on_comment_) on_comment_(comment);
    return;
  }
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) pending_.id.assign(value);
  }
  // "retry" and unknown fields are ignored: reconnection is the caller's business.
}

void SseParser::Dispatch() {
  if (has_data_ && on_event_) on_event_(pending_);
  pending_.data.clear();
  pending_.event.clear();
  has_data_ = false;
}

}  // namespace flowhost::sdk
