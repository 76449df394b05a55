// AppendJsonText and JsonText (json_text.h): compact JSON text, byte for byte what nlohmann's
// `dump(-1, ' ', false, error_handler_t::replace)` writes, straight into the caller's string.
// Doubles go through nlohmann's own shortest-round-trip formatter (Grisu2), so they read the same.
// The rare string that is not valid UTF-8 (whose replacement rules are nlohmann's), and the binary
// and discarded values no parser makes, are handed to nlohmann's serializer.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "flowhost/sdk/json_text.h"
#include "json_string_scan.h"

namespace flowhost::sdk {
namespace {

using value_t = Json::value_t;

// nlohmann's serializer for one value, appending to `out`.
void AppendWithNlohmann(const Json& value, std::string& out) {
  nlohmann::detail::serializer<Json> serializer(nlohmann::detail::output_adapter<char>(out), ' ',
                                                Json::error_handler_t::replace);
  serializer.dump(value, /*pretty_print=*/false, /*ensure_ascii=*/false, /*indent_step=*/0);
}

template <typename Number>
void AppendInteger(Number number, std::string& out) {
  char buffer[24];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof buffer, number);
  out.append(buffer, static_cast<size_t>(result.ptr - buffer));
}

void AppendDouble(double number, std::string& out) {
  if (!std::isfinite(number)) {
    out += "null";
    return;
  }
  char buffer[64];
  const char* end = nlohmann::detail::to_chars(buffer, buffer + sizeof buffer, number);
  out.append(buffer, static_cast<size_t>(end - buffer));
}

// A quoted string, escaped as nlohmann escapes it with ensure_ascii off: '"', '\\' and the control
// characters, nothing else. False (with `out` as it was) when `text` is not valid UTF-8.
bool AppendQuoted(const std::string& text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t size_before = out.size();
  out += '"';
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p != end) {
    const char* run = p;
    p = json_scan::SkipPlainStringBytes(p, end);
    if (p != run) out.append(run, p);
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      const size_t length = json_scan::Utf8SequenceLength(
          reinterpret_cast<const unsigned char*>(p), reinterpret_cast<const unsigned char*>(end));
      if (length == 0) {
        out.resize(size_before);
        return false;
      }
      out.append(p, length);
      p += length;
      continue;
    }
    ++p;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(escape, sizeof escape);
      }
    }
  }
  out += '"';
  return true;
}

void AppendValue(const Json& value, std::string& out) {
  switch (value.type()) {
    case value_t::null:
      out += "null";
      return;
    case value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case value_t::number_integer:
      AppendInteger(value.get<Json::number_integer_t>(), out);
      return;
    case value_t::number_unsigned:
      AppendInteger(value.get<Json::number_unsigned_t>(), out);
      return;
    case value_t::number_float:
      AppendDouble(value.get<Json::number_float_t>(), out);
      return;
    case value_t::string:
      if (!AppendQuoted(value.get_ref<const Json::string_t&>(), out))
        AppendWithNlohmann(value, out);
      return;
    case value_t::array: {
      out += '[';
      bool first = true;
      for (const Json& element : value.get_ref<const Json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        AppendValue(element, out);
      }
      out += ']';
      return;
    }
    case value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const Json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        if (!AppendQuoted(key, out)) AppendWithNlohmann(Json(key), out);
        out += ':';
        AppendValue(member, out);
      }
      out += '}';
      return;
    }
    case value_t::binary:
    case value_t::discarded:
      AppendWithNlohmann(value, out);
      return;
  }
}

}  // namespace

void AppendJsonText(const Json& value, std::string& out) { AppendValue(value, out); }

std::string JsonText(const Json& value) {
  std::string out;
  AppendValue(value, out);
  return out;
}

}  // namespace flowhost::sdk
