// W3C Trace Context (https://www.w3.org/TR/trace-context/): the trace an execution belongs to, taken
// from the caller's `traceparent` (gRPC metadata, HTTP header) or begun here, written in every log
// line of the execution and sent on every request it makes upstream, each with a span id of its
// own, so that a caller's trace continues through flowhost to OpenRouter.
//
// Plain value type; thread-compatible. Random ids come from a thread-local generator seeded from
// the OS.
#ifndef FLOWHOST_SERVER_COMMON_TRACE_CONTEXT_H_
#define FLOWHOST_SERVER_COMMON_TRACE_CONTEXT_H_

#include <optional>
#include <string>
#include <string_view>

namespace flowhost::common {

struct TraceContext {
  static constexpr char kHeader[] = "traceparent";  // lower case: also a gRPC metadata key

  std::string trace_id;  // 32 lower-case hex digits, not all zero
  std::string span_id;   // 16 lower-case hex digits, not all zero: the span this context names
  bool sampled = false;  // the trace-flags' sampled bit, passed on as received

  // A `traceparent` value as the spec reads it: version 00 exactly as specified; a higher version
  // by its first four fields (what follows is ignored). nullopt for anything else (wrong length or
  // separators, upper-case or non-hex digits, an all-zero id, version ff).
  static std::optional<TraceContext> Parse(std::string_view traceparent);
  // A new trace: random ids, not sampled (flowhost exports no spans of its own, so nothing of this
  // trace is recorded unless something downstream decides to).
  static TraceContext Begin();
  // The caller's trace when `traceparent` parses, else a new one.
  static TraceContext FromHeader(std::string_view traceparent);

  // The same trace with a new random span id: the context to send on an outbound request.
  TraceContext Child() const;
  // "00-<trace_id>-<span_id>-<flags>".
  std::string ToHeader() const;
};

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_TRACE_CONTEXT_H_
