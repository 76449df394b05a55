#include "tests/fake_openrouter/catalogue.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tests/fake_openrouter/fake_models.h"

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::json;

// Prices are decimal strings in USD per token ("0.00001"); a missing or odd price counts as 0.
double Price(const Json& pricing, const char* key) {
  auto it = pricing.find(key);
  if (it == pricing.end()) return 0;
  if (it->is_number()) return it->get<double>();
  if (!it->is_string()) return 0;
  return std::strtod(it->get_ref<const std::string&>().c_str(), nullptr);
}

}  // namespace

absl::StatusOr<Catalogue> Catalogue::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open catalogue file ", path));
  std::ostringstream text;
  text << in.rdbuf();

  Catalogue catalogue;
  catalogue.body_ = text.str();
  Json parsed = Json::parse(catalogue.body_, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("catalogue ", path, " is not a JSON object"));
  }
  auto data = parsed.find("data");
  if (data == parsed.end() || !data->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat("catalogue ", path, " has no \"data\" array"));
  }
  for (const Json& model : *data) {
    auto id = model.find("id");
    if (!model.is_object() || id == model.end() || !id->is_string()) continue;
    ModelInfo info;
    info.id = id->get<std::string>();
    auto context = model.find("context_length");
    if (context != model.end() && context->is_number_integer()) {
      info.context_length = context->get<int64_t>();
    }
    auto pricing = model.find("pricing");
    if (pricing != model.end() && pricing->is_object()) {
      info.prompt_price = Price(*pricing, "prompt");
      info.completion_price = Price(*pricing, "completion");
      info.request_price = Price(*pricing, "request");
    }
    auto reasoning = model.find("reasoning");
    info.reasoning = reasoning != model.end() && reasoning->is_object();
    catalogue.models_.emplace(info.id, info);
  }
  return catalogue;
}

std::optional<ModelInfo> Catalogue::Find(std::string_view id) const {
  auto it = models_.find(std::string(id));
  if (it != models_.end()) return it->second;
  std::optional<FakeModel> fake = FindFakeModel(id);
  if (!fake.has_value()) return std::nullopt;
  return fake->info;
}

}  // namespace flowhost::fake_openrouter
