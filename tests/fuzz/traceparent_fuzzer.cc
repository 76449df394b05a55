// Fuzz target: the W3C traceparent parser (server/common/trace_context.h), on the input taken as
// a `traceparent` header a caller sends (gRPC metadata or an HTTP header).
//
// Invariants beyond "no crash, no leak, no undefined behaviour":
//   - a header that parses has a 32-digit trace id and a 16-digit span id of lower-case hex, not
//     all zero, and writes back as a version-00 header that parses to the same context;
//   - FromHeader always gives a valid context: the parsed one, or a new trace;
//   - a child keeps the trace id and the sampled flag and parses.
// Allocation is bounded by the input: nothing is kept but the two fixed-size ids.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "server/common/trace_context.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using flowhost::common::TraceContext;
  std::string_view header(reinterpret_cast<const char*>(data), size);
  std::optional<TraceContext> parsed = TraceContext::Parse(header);
  if (parsed.has_value()) {
    FUZZ_CHECK(parsed->trace_id.size() == 32 && parsed->span_id.size() == 16, header);
    std::optional<TraceContext> again = TraceContext::Parse(parsed->ToHeader());
    FUZZ_CHECK(again.has_value() && again->trace_id == parsed->trace_id &&
                   again->span_id == parsed->span_id && again->sampled == parsed->sampled,
               header << " -> " << parsed->ToHeader());
  }
  TraceContext context = TraceContext::FromHeader(header);
  FUZZ_CHECK(TraceContext::Parse(context.ToHeader()).has_value(), context.ToHeader());
  if (parsed.has_value()) FUZZ_CHECK(context.trace_id == parsed->trace_id, header);
  TraceContext child = context.Child();
  std::optional<TraceContext> child_parsed = TraceContext::Parse(child.ToHeader());
  FUZZ_CHECK(child_parsed.has_value() && child_parsed->trace_id == context.trace_id &&
                 child_parsed->sampled == context.sampled,
             child.ToHeader());
  return 0;
}
