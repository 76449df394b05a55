#include "server/common/trace_context.h"

#include <cstdint>
#include <random>

namespace flowhost::common {
namespace {

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsAllZero(std::string_view text) { return text.find_first_not_of('0') == std::string::npos; }

// `digits` random lower-case hex digits, not all zero.
std::string RandomHex(size_t digits) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(digits, '0');
  do {
    for (size_t i = 0; i < digits; i += 16) {
      uint64_t bits = generator();
      for (size_t j = i; j < digits && j < i + 16; ++j, bits >>= 4) text[j] = kHex[bits & 0xf];
    }
  } while (IsAllZero(text));
  return text;
}

}  // namespace

std::optional<TraceContext> TraceContext::Parse(std::string_view traceparent) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  constexpr size_t kLength = 55;
  if (traceparent.size() < kLength) return std::nullopt;
  std::string_view version = traceparent.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && traceparent.size() != kLength) return std::nullopt;
  // A later version may append fields, after a '-'.
  if (traceparent.size() > kLength && traceparent[kLength] != '-') return std::nullopt;
  if (traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-') {
    return std::nullopt;
  }
  std::string_view trace_id = traceparent.substr(3, 32);
  std::string_view span_id = traceparent.substr(36, 16);
  std::string_view flags = traceparent.substr(53, 2);
  if (!IsLowerHex(trace_id) || !IsLowerHex(span_id) || !IsLowerHex(flags)) return std::nullopt;
  if (IsAllZero(trace_id) || IsAllZero(span_id)) return std::nullopt;
  TraceContext context;
  context.trace_id = std::string(trace_id);
  context.span_id = std::string(span_id);
  int flag_bits = std::stoi(std::string(flags), nullptr, 16);
  context.sampled = (flag_bits & 1) != 0;
  return context;
}

TraceContext TraceContext::Begin() {
  TraceContext context;
  context.trace_id = RandomHex(32);
  context.span_id = RandomHex(16);
  context.sampled = false;  // flowhost records no spans itself
  return context;
}

TraceContext TraceContext::FromHeader(std::string_view traceparent) {
  std::optional<TraceContext> parsed = Parse(traceparent);
  return parsed.has_value() ? *std::move(parsed) : Begin();
}

TraceContext TraceContext::Child() const {
  TraceContext child = *this;
  child.span_id = RandomHex(16);
  return child;
}

std::string TraceContext::ToHeader() const {
  return "00-" + trace_id + "-" + span_id + (sampled ? "-01" : "-00");
}

}  // namespace flowhost::common
