#include "flowhost/sdk/item_bytes.h"

#include <string>

#include "absl/container/inlined_vector.h"

namespace flowhost::sdk {
namespace {

// libstdc++'s layouts on 64-bit Linux: what each kind of value adds to its 16-byte Json.
constexpr size_t kValueBytes = sizeof(Json);
constexpr size_t kStringBytes = sizeof(std::string);
constexpr size_t kArrayBytes = sizeof(Json::array_t);
constexpr size_t kObjectBytes = sizeof(Json::object_t);
constexpr size_t kMemberNodeBytes = 32;  // a red-black tree node's header
// A string's characters live in the object itself up to this length (the small-string buffer).
constexpr size_t kInlineStringChars = 15;

size_t StringBytes(const std::string& text) {
  return kStringBytes + (text.size() > kInlineStringChars ? text.size() + 1 : 0);
}

}  // namespace

size_t ItemBytes(const Json& item) {
  size_t total = 0;
  absl::InlinedVector<const Json*, 16> pending = {&item};
  while (!pending.empty()) {
    const Json* value = pending.back();
    pending.pop_back();
    total += kValueBytes;
    switch (value->type()) {
      case Json::value_t::string:
        total += StringBytes(value->get_ref<const std::string&>());
        break;
      case Json::value_t::array:
        total += kArrayBytes;
        for (const Json& element : *value) pending.push_back(&element);
        break;
      case Json::value_t::object:
        total += kObjectBytes;
        for (auto it = value->begin(); it != value->end(); ++it) {
          total += kMemberNodeBytes + StringBytes(it.key());
          pending.push_back(&it.value());
        }
        break;
      case Json::value_t::binary:
        total += sizeof(Json::binary_t) + value->get_binary().size();
        break;
      default:
        break;
    }
  }
  return total;
}

size_t ItemsBytes(const Items& items) {
  size_t total = 0;
  for (const Json& item : items) total += ItemBytes(item);
  return total;
}

}  // namespace flowhost::sdk
