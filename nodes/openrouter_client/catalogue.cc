#include "nodes/openrouter_client/catalogue.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "nodes/openrouter_client/error_classifier.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;

// OpenRouter sends prices as decimal strings; numbers are accepted too. Negative means variable.
std::optional<double> Price(const Json& pricing, const char* name) {
  if (!pricing.is_object()) return std::nullopt;
  auto it = pricing.find(name);
  if (it == pricing.end()) return std::nullopt;
  double value = 0;
  if (it->is_number()) {
    value = it->get<double>();
  } else if (!it->is_string() || !absl::SimpleAtod(it->get<std::string>(), &value)) {
    return std::nullopt;
  }
  if (value < 0 || !std::isfinite(value)) return std::nullopt;
  return value;
}

// The same price as an exact decimal; nullopt when it is missing, negative or not a number.
std::optional<DecimalPrice> ExactPrice(const Json& pricing, const char* name) {
  if (!pricing.is_object()) return std::nullopt;
  auto it = pricing.find(name);
  if (it == pricing.end()) return std::nullopt;
  return DecimalPrice::FromJson(*it);
}

std::optional<double> PerMillion(std::optional<double> per_token) {
  if (!per_token.has_value()) return std::nullopt;
  return std::round(*per_token * 1e12) / 1e6;
}

std::vector<std::string> Strings(const Json& object, const char* name) {
  std::vector<std::string> out;
  if (!object.is_object()) return out;
  auto it = object.find(name);
  if (it == object.end() || !it->is_array()) return out;
  for (const Json& value : *it) {
    if (value.is_string()) out.push_back(value.get<std::string>());
  }
  return out;
}

// `expiration_date`: "2025-09-30" (OpenRouter's form), an RFC 3339 time, or Unix seconds.
std::optional<absl::Time> Expiration(const Json& entry) {
  auto it = entry.find("expiration_date");
  if (it == entry.end()) return std::nullopt;
  if (it->is_number()) {
    double seconds = it->get<double>();
    if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e11) return std::nullopt;
    return absl::FromUnixSeconds(static_cast<int64_t>(seconds));
  }
  if (!it->is_string()) return std::nullopt;
  const std::string& text = it->get_ref<const std::string&>();
  absl::Time time;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &time, &error) ||
      absl::ParseTime(absl::RFC3339_full, text, absl::UTCTimeZone(), &time, &error)) {
    return time;
  }
  return std::nullopt;
}

std::optional<CatalogueModel> ParseModel(const Json& entry) {
  if (!entry.is_object()) return std::nullopt;
  auto id = entry.find("id");
  if (id == entry.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  CatalogueModel model;
  model.id = id->get<std::string>();
  auto name = entry.find("name");
  model.name = name != entry.end() && name->is_string() ? name->get<std::string>() : model.id;
  size_t slash = model.id.find('/');
  model.author = slash == std::string::npos ? "" : model.id.substr(0, slash);
  model.context_length = sdk::IntField(entry, "context_length");
  model.created = sdk::IntField(entry, "created");
  model.expires_at = Expiration(entry);
  if (auto top = entry.find("top_provider"); top != entry.end()) {
    model.max_completion_tokens = sdk::IntField(*top, "max_completion_tokens");
  }
  const Json pricing = entry.contains("pricing") ? entry["pricing"] : Json();
  model.prompt_price = Price(pricing, "prompt");
  model.completion_price = Price(pricing, "completion");
  model.request_price = Price(pricing, "request").value_or(0);
  model.exact_prompt_price = ExactPrice(pricing, "prompt");
  model.exact_completion_price = ExactPrice(pricing, "completion");
  model.is_free = absl::EndsWith(model.id, ":free") ||
                  (model.prompt_price == 0.0 && model.completion_price == 0.0);
  const Json architecture = entry.contains("architecture") ? entry["architecture"] : Json();
  model.input_modalities = Strings(architecture, "input_modalities");
  model.output_modalities = Strings(architecture, "output_modalities");
  model.supported_parameters = Strings(entry, "supported_parameters");
  return model;
}

Json OptionalNumber(std::optional<double> value) {
  return value.has_value() ? Json(*value) : Json(nullptr);
}

}  // namespace

std::optional<double> CatalogueModel::prompt_price_per_million() const {
  return PerMillion(prompt_price);
}

std::optional<double> CatalogueModel::completion_price_per_million() const {
  return PerMillion(completion_price);
}

std::optional<double> CatalogueModel::CostOf(int64_t prompt_tokens,
                                             int64_t completion_tokens) const {
  if (!prompt_price.has_value() || !completion_price.has_value()) return std::nullopt;
  return static_cast<double>(prompt_tokens) * *prompt_price +
         static_cast<double>(completion_tokens) * *completion_price + request_price;
}

const std::vector<std::string>& ModelItemFields() {
  static const auto* fields = new std::vector<std::string>{"id",
                                                           "name",
                                                           "author",
                                                           "context_length",
                                                           "max_completion_tokens",
                                                           "prompt_price_per_million",
                                                           "completion_price_per_million",
                                                           "is_free",
                                                           "input_modalities",
                                                           "output_modalities",
                                                           "supported_parameters",
                                                           "created"};
  return *fields;
}

Json CatalogueModel::ToItem() const {
  return Json{
      {"id", id},
      {"name", name},
      {"author", author},
      {"context_length", context_length},
      {"max_completion_tokens", max_completion_tokens},
      {"prompt_price_per_million", OptionalNumber(prompt_price_per_million())},
      {"completion_price_per_million", OptionalNumber(completion_price_per_million())},
      {"is_free", is_free},
      {"input_modalities", input_modalities},
      {"output_modalities", output_modalities},
      {"supported_parameters", supported_parameters},
      {"created", created},
  };
}

absl::StatusOr<CataloguePtr> Catalogue::Parse(std::string_view body, absl::Time fetched_at) {
  CallDescription call{"model listing", "", nullptr};
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return MalformedResponse("the catalogue is not valid JSON", call);
  auto data = parsed.is_object() ? parsed.find("data") : parsed.end();
  if (!parsed.is_object() || data == parsed.end() || !data->is_array()) {
    return MalformedResponse("the catalogue has no 'data' list", call);
  }
  auto catalogue = std::make_shared<Catalogue>();
  catalogue->fetched_at_ = fetched_at;
  catalogue->models_.reserve(data->size());
  for (const Json& entry : *data) {
    std::optional<CatalogueModel> model = ParseModel(entry);
    if (!model.has_value() || catalogue->by_id_.count(model->id) > 0) continue;
    catalogue->by_id_.emplace(model->id, catalogue->models_.size());
    catalogue->models_.push_back(std::move(*model));
  }
  return CataloguePtr(std::move(catalogue));
}

const CatalogueModel* Catalogue::Find(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &models_[it->second];
}

void CatalogueCache::Get(const Endpoint& endpoint, sdk::HttpClient& http, const sdk::Clock& clock,
                         Callback done) {
  absl::Time now = clock.Now();
  CataloguePtr ready;
  bool start_refresh = false;
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = entries_[endpoint.base_url];
    if (entry.snapshot != nullptr && (now < entry.fresh_until || now < entry.no_refresh_until)) {
      ready = entry.snapshot;
    } else {
      entry.waiters.push_back(std::move(done));
      if (!entry.refreshing) {
        entry.refreshing = true;
        ++fetches_;
        start_refresh = true;
      }
    }
  }
  if (ready != nullptr) {
    done(std::move(ready));
    return;
  }
  if (start_refresh) Refresh(endpoint, http, clock);
}

int64_t CatalogueCache::fetches() const {
  absl::MutexLock lock(&mu_);
  return fetches_;
}

void CatalogueCache::Refresh(const Endpoint& endpoint, sdk::HttpClient& http,
                             const sdk::Clock& clock) {
  sdk::HttpRequest request;
  request.method = "GET";
  request.url = endpoint.Url("/models");
  request.headers = endpoint.Headers(/*json_body=*/false, /*event_stream=*/false);
  request.total_timeout = options_.fetch_timeout;
  request.max_response_bytes = options_.max_response_bytes;
  // The refresh serves every waiter, so it carries its own timeout rather than one caller's
  // deadline.
  http.Send(std::move(request), [self = shared_from_this(), endpoint,
                                 clock = &clock](absl::StatusOr<sdk::HttpResponse> response) {
    CallDescription call{"model listing", "", &endpoint, self->options_.max_retry_after};
    absl::Time now = clock->Now();
    absl::StatusOr<CataloguePtr> fetched;
    if (!response.ok()) {
      fetched = ClassifyTransportError(response.status(), call);
    } else if (response->status < 200 || response->status > 299) {
      fetched = ClassifyHttpError(response->status, response->body, response->headers, now, call);
    } else {
      fetched = Catalogue::Parse(response->body, now);
    }
    self->Complete(endpoint.base_url, std::move(fetched), now);
  });
}

void CatalogueCache::Complete(const std::string& base_url, absl::StatusOr<CataloguePtr> fetched,
                              absl::Time now) {
  std::vector<Callback> waiters;
  absl::StatusOr<CataloguePtr> result = fetched;
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = entries_[base_url];
    entry.refreshing = false;
    waiters.swap(entry.waiters);
    if (fetched.ok()) {
      entry.snapshot = *fetched;
      entry.fresh_until = now + options_.ttl;
    } else if (entry.snapshot != nullptr) {
      entry.no_refresh_until = now + options_.failure_backoff;
      result = entry.snapshot;  // stale, but better than nothing while the upstream fails
    }
  }
  for (Callback& waiter : waiters) waiter(result);
}

}  // namespace flowhost::nodes::openrouter
