#include "flowhost/openrouter/model_query.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/error.h"
#include "re2/re2.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;

std::vector<std::string> StringList(const Json& params, const char* name) {
  std::vector<std::string> out;
  auto it = params.find(name);
  if (it == params.end()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const Json& value : *it) {
      if (value.is_string()) out.push_back(value.get<std::string>());
    }
  }
  return out;
}

std::optional<double> Number(const Json& params, const char* name) {
  auto it = params.find(name);
  if (it == params.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

bool ContainsAll(const std::vector<std::string>& have, const std::vector<std::string>& want) {
  return std::all_of(want.begin(), want.end(), [&have](const std::string& w) {
    return std::find(have.begin(), have.end(), w) != have.end();
  });
}

// Sum of prompt and completion price per token, exactly (equal sums must compare equal, so that
// ties keep catalogue order); nullopt when either is unknown.
std::optional<DecimalPrice> PriceKey(const CatalogueModel& model) {
  if (!model.exact_prompt_price.has_value() || !model.exact_completion_price.has_value()) {
    return std::nullopt;
  }
  return *model.exact_prompt_price + *model.exact_completion_price;
}

Json StringOrList(const char* description) {
  return Json{
      {"type", {"string", "array"}}, {"items", {{"type", "string"}}}, {"description", description}};
}

Json List(const char* description) {
  return Json{{"type", "array"}, {"items", {{"type", "string"}}}, {"description", description}};
}

}  // namespace

Json ModelQueryProperties() {
  return Json{
      {"free",
       {{"type", "boolean"},
        {"description",
         "Only free models (id ending in :free, or zero prompt and completion price)."}}},
      {"id", {{"type", "string"}, {"description", "Glob over the model id, e.g. 'anthropic/*'."}}},
      {"id_regex",
       {{"type", "string"}, {"description", "Regular expression (RE2) searched in the model id."}}},
      {"author", StringOrList("Author(s): the id before '/', e.g. google.")},
      {"min_context_length", {{"type", "integer"}, {"minimum", 0}}},
      {"input_modalities", List("Modalities the model must accept, e.g. [image].")},
      {"output_modalities", List("Modalities the model must produce.")},
      {"supported_parameters", List("Parameters the model must support, e.g. [tools].")},
      {"max_prompt_price",
       {{"type", "number"}, {"minimum", 0}, {"description", "USD per million prompt tokens."}}},
      {"max_completion_price",
       {{"type", "number"}, {"minimum", 0}, {"description", "USD per million completion tokens."}}},
      {"sort",
       {{"type", "string"},
        {"enum", {"catalogue", "price", "context_length", "created", "name"}},
        {"default", "catalogue"},
        {"description",
         "Order: price (prompt + completion, cheapest first), context_length (longest first), "
         "created (newest first), name, or the catalogue's own order."}}},
      {"order",
       {{"type", "string"},
        {"enum", {"asc", "desc"}},
        {"description", "Overrides the sort's natural direction."}}},
      {"limit",
       {{"type", "integer"}, {"minimum", 0}, {"default", 0}, {"description", "0: no limit."}}},
  };
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point: linear in practice, no recursion.
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

absl::StatusOr<ModelQuery> ModelQuery::FromParams(const Json& params) {
  ModelQuery query;
  if (auto it = params.find("free"); it != params.end() && it->is_boolean()) {
    query.free_only = it->get<bool>();
  }
  if (auto it = params.find("id"); it != params.end() && it->is_string()) {
    query.id_glob = it->get<std::string>();
  }
  if (auto it = params.find("id_regex"); it != params.end() && it->is_string()) {
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(it->get<std::string>(), options);
    if (!regex->ok()) {
      return sdk::NodeError(absl::StatusCode::kInvalidArgument, sdk::error_class::kInvalidInput,
                            absl::StrCat("id_regex: ", regex->error()));
    }
    query.id_regex = std::move(regex);
  }
  query.authors = StringList(params, "author");
  if (auto it = params.find("min_context_length"); it != params.end() && it->is_number()) {
    query.min_context_length = static_cast<int64_t>(it->get<double>());
  }
  query.input_modalities = StringList(params, "input_modalities");
  query.output_modalities = StringList(params, "output_modalities");
  query.supported_parameters = StringList(params, "supported_parameters");
  query.max_prompt_price = Number(params, "max_prompt_price");
  query.max_completion_price = Number(params, "max_completion_price");

  std::string sort = "catalogue";
  if (auto it = params.find("sort"); it != params.end() && it->is_string()) {
    sort = it->get<std::string>();
  }
  if (sort == "price") {
    query.sort = Sort::kPrice;
  } else if (sort == "context_length") {
    query.sort = Sort::kContextLength;
    query.descending = true;
  } else if (sort == "created") {
    query.sort = Sort::kCreated;
    query.descending = true;
  } else if (sort == "name") {
    query.sort = Sort::kName;
  }
  if (auto it = params.find("order"); it != params.end() && it->is_string()) {
    query.descending = it->get<std::string>() == "desc";
  }
  if (auto it = params.find("limit"); it != params.end() && it->is_number_integer()) {
    query.limit = static_cast<size_t>(std::max<int64_t>(0, it->get<int64_t>()));
  }
  return query;
}

bool ModelQuery::Matches(const CatalogueModel& model) const {
  if (free_only && !model.is_free) return false;
  if (!id_glob.empty() && !GlobMatch(id_glob, model.id)) return false;
  if (id_regex != nullptr && !RE2::PartialMatch(model.id, *id_regex)) return false;
  if (!authors.empty() &&
      std::find(authors.begin(), authors.end(), model.author) == authors.end()) {
    return false;
  }
  if (model.context_length < min_context_length) return false;
  if (!ContainsAll(model.input_modalities, input_modalities)) return false;
  if (!ContainsAll(model.output_modalities, output_modalities)) return false;
  if (!ContainsAll(model.supported_parameters, supported_parameters)) return false;
  if (max_prompt_price.has_value()) {
    auto price = model.prompt_price_per_million();
    if (!price.has_value() || *price > *max_prompt_price) return false;
  }
  if (max_completion_price.has_value()) {
    auto price = model.completion_price_per_million();
    if (!price.has_value() || *price > *max_completion_price) return false;
  }
  return true;
}

std::vector<const CatalogueModel*> ModelQuery::Run(const Catalogue& catalogue) const {
  std::vector<const CatalogueModel*> out;
  for (const CatalogueModel& model : catalogue.models()) {
    if (Matches(model)) out.push_back(&model);
  }
  auto less = [this](const CatalogueModel* a, const CatalogueModel* b) {
    switch (sort) {
      case Sort::kPrice:
        return *PriceKey(*a) < *PriceKey(*b);  // both known: the caller orders unknown prices
      case Sort::kContextLength:
        return a->context_length < b->context_length;
      case Sort::kCreated:
        return a->created < b->created;
      case Sort::kName:
        return a->name < b->name;
      case Sort::kCatalogue:
        return false;
    }
    return false;
  };
  if (sort != Sort::kCatalogue || descending) {
    std::stable_sort(out.begin(), out.end(), [&](const CatalogueModel* a, const CatalogueModel* b) {
      if (sort == Sort::kPrice) {
        // Models with unknown (variable) prices go last in either order.
        bool a_known = PriceKey(*a).has_value(), b_known = PriceKey(*b).has_value();
        if (a_known != b_known) return a_known;
        if (!a_known) return false;
      }
      return descending ? less(b, a) : less(a, b);
    });
    if (sort == Sort::kCatalogue && descending) std::reverse(out.begin(), out.end());
  }
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace flowhost::nodes::openrouter
