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

// Where a piece of streamed text comes from, for a node that may call several sources for one item
// (a router's routes, retries): the route's name, the model asked, and the item's attempt (its
// calls counted from 1, across routes). Views valid only during the call that passes them.
struct TokenSource {
  std::string_view route;
  std::string_view model;
  int attempt = 0;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // True when a caller is listening for token deltas.
  virtual bool wants_tokens() const = 0;
  // A piece of text for input item `item_index`. `kind` is "content" or "reasoning".
  virtual void TokenDelta(size_t item_index, std::string_view text,
                          std::string_view kind = "content") = 0;
  // The same, saying which route and attempt the text belongs to. Sinks that do not keep the
  // source forward it to TokenDelta.
  virtual void TokenDeltaFrom(size_t item_index, std::string_view text, std::string_view kind,
                              const TokenSource& source) {
    TokenDelta(item_index, text, kind);
  }
  // The text streamed so far for item `item_index` by `source` is void: that attempt failed (or its
  // answer was rejected) after it began to stream. Text sent after this replaces it. Sent before
  // the next attempt's first delta.
  virtual void TokensReset(size_t item_index, const TokenSource& source) {}
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_EVENT_SINK_H_
