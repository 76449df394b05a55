#include "server/workflow/json_pointer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace flowhost::workflow {
namespace {

std::string UnescapeToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

bool IsPlainKey(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '$';
  });
}

bool IsIndex(std::string_view token) {
  return !token.empty() && token.size() < 10 &&
         std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string_view ParentPointer(std::string_view pointer) {
  size_t slash = pointer.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : pointer.substr(0, slash);
}

std::vector<std::string> PointerTokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  size_t begin = pointer.front() == '/' ? 1 : 0;
  while (true) {
    size_t slash = pointer.find('/', begin);
    std::string_view token = pointer.substr(
        begin, slash == std::string_view::npos ? std::string_view::npos : slash - begin);
    tokens.push_back(UnescapeToken(token));
    if (slash == std::string_view::npos) break;
    begin = slash + 1;
  }
  return tokens;
}

bool PointerWithin(std::string_view pointer, std::string_view prefix) {
  if (pointer.size() < prefix.size() || pointer.substr(0, prefix.size()) != prefix) return false;
  return pointer.size() == prefix.size() || pointer[prefix.size()] == '/';
}

bool PointerWithinAny(std::string_view pointer, const std::vector<std::string>& prefixes) {
  for (const std::string& prefix : prefixes) {
    if (PointerWithin(pointer, prefix)) return true;
  }
  return false;
}

const sdk::Json* ResolvePointer(const sdk::Json& root, std::string_view pointer) {
  const sdk::Json* current = &root;
  for (const std::string& token : PointerTokens(pointer)) {
    if (current->is_object()) {
      auto it = current->find(token);
      if (it == current->end()) return nullptr;
      current = &*it;
    } else if (current->is_array() && IsIndex(token)) {
      size_t index = std::stoul(token);
      if (index >= current->size()) return nullptr;
      current = &(*current)[index];
    } else {
      return nullptr;
    }
  }
  return current;
}

std::string PointerToPath(const sdk::Json& root, std::string_view pointer) {
  std::string path;
  const sdk::Json* current = &root;
  for (const std::string& token : PointerTokens(pointer)) {
    bool array = current != nullptr && current->is_array();
    if (array || (current == nullptr && IsIndex(token))) {
      absl::StrAppend(&path, "[", token, "]");
    } else if (IsPlainKey(token)) {
      absl::StrAppend(&path, path.empty() ? "" : ".", token);
    } else {
      absl::StrAppend(&path, "[", sdk::Json(token).dump(), "]");
    }
    const sdk::Json* next = nullptr;
    if (current != nullptr && current->is_object()) {
      auto it = current->find(token);
      if (it != current->end()) next = &*it;
    } else if (array && IsIndex(token)) {
      size_t index = std::stoul(token);
      if (index < current->size()) next = &(*current)[index];
    }
    current = next;
  }
  return path;
}

}  // namespace flowhost::workflow
