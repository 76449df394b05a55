// Streamed partial output. A node that produces output gradually (an LLM streaming tokens) sends each
// piece here as it arrives; the host forwards it to callers that stream (StreamWorkflow) tagged with the
// node name, and drops it cheaply when nobody listens (check wants_tokens() to avoid building requests
// for streaming when no one would read them).
//
// Thread-safety: may be called from any thread, including the HTTP client's I/O thread; never blocks.
// Deltas for one item must be sent from one thread at a time so that their order is kept.
#ifndef FLOWHOST_SDK_EVENT_SINK_H_
#define FLOWHOST_SDK_EVENT_SINK_H_

#include <cstddef>
#include <string_view>

namespace flowhost::sdk {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // True when a caller is listening for token deltas.
  virtual bool wants_tokens() const = 0;
  // A piece of text for input item `item_index`. `kind` is "content" or "reasoning".
  virtual void TokenDelta(size_t item_index, std::string_view text,
                          std::string_view kind = "content") = 0;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_EVENT_SINK_H_
