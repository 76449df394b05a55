// AppendJsonText and JsonText (json_text.h): compact JSON text, byte for byte what nlohmann's
// `dump(-1, ' ', false, error_handler_t::replace)` writes.
// Doubles go through nlohmann's own shortest-round-trip formatter (Grisu2), so they read the same.
// The rare string that is not valid UTF-8 (whose replacement rules are nlohmann's), and the binary
// and discarded values no parser makes, are handed to nlohmann's serializer.
//
// The text is written through a cursor into a buffer that starts on the stack (TextBuffer) and is
// handed to the caller's string once at the end: a character costs a store, not a std::string
// call, and a small value no allocation of its own (the plugin boundary writes every item twice
// per node execution).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "flowhost/sdk/json_text.h"
#include "json_string_scan.h"

namespace flowhost::sdk {
namespace {

using value_t = Json::value_t;

// A growable run of bytes with a write cursor: 256 bytes inline, then the heap, doubling.
class TextBuffer {
 public:
  TextBuffer() = default;
  TextBuffer(const TextBuffer&) = delete;
  TextBuffer& operator=(const TextBuffer&) = delete;

  void Put(char c) {
    if (cursor_ == end_) Grow(1);
    *cursor_++ = c;
  }
  void Put(const char* data, size_t size) {
    Reserve(size);
    std::memcpy(cursor_, data, size);
    cursor_ += size;
  }
  // Room for `size` more bytes at cursor().
  void Reserve(size_t size) {
    if (static_cast<size_t>(end_ - cursor_) < size) Grow(size);
  }
  char* cursor() { return cursor_; }
  void Advance(char* to) { cursor_ = to; }

  size_t size() const { return static_cast<size_t>(cursor_ - begin_); }
  void Truncate(size_t size) { cursor_ = begin_ + size; }

  void AppendTo(std::string& out) const { out.append(begin_, cursor_); }

 private:
  void Grow(size_t more) {
    const size_t used = size();
    const size_t capacity = std::max(2 * static_cast<size_t>(end_ - begin_), used + more);
    std::unique_ptr<char[]> bigger(
        new char[capacity]);  // uninitialised: only written bytes are read
    std::memcpy(bigger.get(), begin_, used);
    heap_ = std::move(bigger);
    begin_ = heap_.get();
    cursor_ = begin_ + used;
    end_ = begin_ + capacity;
  }

  char inline_[256];
  std::unique_ptr<char[]> heap_;
  char* begin_ = inline_;
  char* cursor_ = inline_;
  char* end_ = inline_ + sizeof inline_;
};

// nlohmann's serializer for one value.
void PutWithNlohmann(const Json& value, TextBuffer& out) {
  std::string text;
  nlohmann::detail::serializer<Json> serializer(nlohmann::detail::output_adapter<char>(text), ' ',
                                                Json::error_handler_t::replace);
  serializer.dump(value, /*pretty_print=*/false, /*ensure_ascii=*/false, /*indent_step=*/0);
  out.Put(text.data(), text.size());
}

template <typename Number>
void PutInteger(Number number, TextBuffer& out) {
  constexpr size_t kMaxDigits = 24;  // 20 digits and a sign at most
  out.Reserve(kMaxDigits);
  out.Advance(std::to_chars(out.cursor(), out.cursor() + kMaxDigits, number).ptr);
}

void PutDouble(double number, TextBuffer& out) {
  if (!std::isfinite(number)) {
    out.Put("null", 4);
    return;
  }
  constexpr size_t kMaxText = 64;  // nlohmann's own buffer size for a double
  out.Reserve(kMaxText);
  out.Advance(nlohmann::detail::to_chars(out.cursor(), out.cursor() + kMaxText, number));
}

// A quoted string, escaped as nlohmann escapes it with ensure_ascii off: '"', '\\' and the control
// characters, nothing else. False (with `out` as it was) when `text` is not valid UTF-8.
bool PutQuoted(const std::string& text, TextBuffer& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t size_before = out.size();
  out.Put('"');
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p != end) {
    const char* run = p;
    p = json_scan::SkipPlainStringBytes(p, end);
    if (p != run) out.Put(run, static_cast<size_t>(p - run));
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      const size_t length = json_scan::Utf8SequenceLength(
          reinterpret_cast<const unsigned char*>(p), reinterpret_cast<const unsigned char*>(end));
      if (length == 0) {
        out.Truncate(size_before);
        return false;
      }
      out.Put(p, length);
      p += length;
      continue;
    }
    ++p;
    char escape[6] = {'\\', 0, 0, 0, 0, 0};
    size_t escape_size = 2;
    switch (c) {
      case '"':
        escape[1] = '"';
        break;
      case '\\':
        escape[1] = '\\';
        break;
      case '\b':
        escape[1] = 'b';
        break;
      case '\f':
        escape[1] = 'f';
        break;
      case '\n':
        escape[1] = 'n';
        break;
      case '\r':
        escape[1] = 'r';
        break;
      case '\t':
        escape[1] = 't';
        break;
      default:
        escape[1] = 'u';
        escape[2] = '0';
        escape[3] = '0';
        escape[4] = kHex[c >> 4];
        escape[5] = kHex[c & 0xF];
        escape_size = 6;
    }
    out.Put(escape, escape_size);
  }
  out.Put('"');
  return true;
}

void PutValue(const Json& value, TextBuffer& out) {
  switch (value.type()) {
    case value_t::null:
      out.Put("null", 4);
      return;
    case value_t::boolean:
      if (value.get<bool>()) {
        out.Put("true", 4);
      } else {
        out.Put("false", 5);
      }
      return;
    case value_t::number_integer:
      PutInteger(value.get<Json::number_integer_t>(), out);
      return;
    case value_t::number_unsigned:
      PutInteger(value.get<Json::number_unsigned_t>(), out);
      return;
    case value_t::number_float:
      PutDouble(value.get<Json::number_float_t>(), out);
      return;
    case value_t::string:
      if (!PutQuoted(value.get_ref<const Json::string_t&>(), out)) PutWithNlohmann(value, out);
      return;
    case value_t::array: {
      out.Put('[');
      bool first = true;
      for (const Json& element : value.get_ref<const Json::array_t&>()) {
        if (!first) out.Put(',');
        first = false;
        PutValue(element, out);
      }
      out.Put(']');
      return;
    }
    case value_t::object: {
      out.Put('{');
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const Json::object_t&>()) {
        if (!first) out.Put(',');
        first = false;
        if (!PutQuoted(key, out)) PutWithNlohmann(Json(key), out);
        out.Put(':');
        PutValue(member, out);
      }
      out.Put('}');
      return;
    }
    case value_t::binary:
    case value_t::discarded:
      PutWithNlohmann(value, out);
      return;
  }
}

}  // namespace

void AppendJsonText(const Json& value, std::string& out) {
  TextBuffer text;
  PutValue(value, text);
  text.AppendTo(out);
}

std::string JsonText(const Json& value) {
  std::string out;
  AppendJsonText(value, out);
  return out;
}

}  // namespace flowhost::sdk
