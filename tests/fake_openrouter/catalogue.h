// The model catalogue the fake serves: the raw bytes of the catalogue file (served as is by
// GET /api/v1/models) and, parsed once at start, what the chat endpoint needs per model id: context
// length, per-token prices, reasoning support. Besides the file's models, the built-in `fake/*` ids
// (fake_models.h) are recognised; they are not listed in the served catalogue.
//
// Immutable after Load(); safe to share between threads.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_CATALOGUE_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_CATALOGUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"

namespace flowhost::fake_openrouter {

// What the chat endpoint knows about one model.
struct ModelInfo {
  std::string id;
  int64_t context_length = 0;
  double prompt_price = 0;      // USD per prompt token
  double completion_price = 0;  // USD per completion token
  double request_price = 0;     // USD per request
  bool reasoning = false;       // the catalogue entry has a `reasoning` object
};

class Catalogue {
 public:
  // Reads and parses the catalogue file (`{"data": [Model...], ...}`).
  static absl::StatusOr<Catalogue> Load(const std::string& path);

  // The file's bytes, served unchanged.
  const std::string& body() const { return body_; }

  // Number of models in the file.
  size_t size() const { return models_.size(); }

  // The model with this id, from the file or the built-in fake ids; nullopt when unknown.
  std::optional<ModelInfo> Find(std::string_view id) const;

 private:
  std::string body_;
  std::unordered_map<std::string, ModelInfo> models_;
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_CATALOGUE_H_
