// An incremental parser for Server-Sent Events (the text/event-stream format OpenRouter streams in).
//
// Feed() it bytes as they arrive, split anywhere (even inside a CRLF); it calls back once per complete
// event. Handles LF, CR and CRLF line ends, multi-line `data:` (joined with "\n"), `event:` and `id:`
// fields, and comment lines (": OPENROUTER PROCESSING"), which are reported separately and never
// produce an event. `data: [DONE]` is delivered as an ordinary event; the caller decides it ends the
// stream. A line longer than the configured cap is an error (the stream is not trusted further).
//
// Thread-safety: none; one parser per stream, fed from one thread at a time.
#ifndef FLOWHOST_SDK_SSE_PARSER_H_
#define FLOWHOST_SDK_SSE_PARSER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace flowhost::sdk {

struct SseEvent {
  std::string event;  // the `event:` field, empty when absent ("message" by the spec's default)
  std::string data;   // `data:` lines joined with "\n"
  std::string id;
};

class SseParser {
 public:
  using EventCallback = std::function<void(const SseEvent&)>;
  using CommentCallback = std::function<void(std::string_view comment)>;

  explicit SseParser(EventCallback on_event, CommentCallback on_comment = nullptr,
                     size_t max_line_bytes = 4 << 20);

  // Consumes a chunk. Returns an error (and stops parsing) when a line exceeds the cap.
  absl::Status Feed(std::string_view chunk);

  // Call at end of stream: dispatches a final event not followed by a blank line.
  void Finish();

 private:
  void ProcessLine(std::string_view line);
  void Dispatch();

  EventCallback on_event_;
  CommentCallback on_comment_;
  size_t max_line_bytes_;
  std::string line_;        // the incomplete line carried across chunks
  bool last_was_cr_ = false;
  bool failed_ = false;
  SseEvent pending_;
  bool has_data_ = false;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_SSE_PARSER_H_
