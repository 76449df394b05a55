// Fuzz target: OpenRouter's model catalogue (nodes/openrouter_client/catalogue.h) and the
// `openrouter.models` query over it (flowhost/openrouter/model_query.h). The input's first line is the
// query, the node's parameters as one JSON object; the rest is the `GET /models` body. Parameters
// that do not parse, or that the node's parameter schema refuses (as the host would at load),
// become `{}`.
//
// Invariants beyond "no crash, no leak, no undefined behaviour": ids are unique and each is found
// by Find; every model becomes an item; a query returns only matching models, at most `limit` of
// them, each once; a parse failure is a classified malformed_response.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/json_schema.h"
#include "flowhost/openrouter/model_query.h"
#include "server/registry/builtin_nodes.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/openrouter_checks.h"

namespace flowhost::fuzz {
namespace {

using nodes::openrouter::Catalogue;
using nodes::openrouter::CatalogueModel;
using nodes::openrouter::ModelQuery;

const sdk::Json& ModelsParameterSchema() {
  static const sdk::Json* const schema = [] {
    registry::NodeTypeRegistry registry;
    absl::Status status = registry::RegisterBuiltinNodes(registry);
    FUZZ_CHECK(status.ok(), status);
    std::shared_ptr<const sdk::NodeType> type = registry.Find("openrouter.models");
    FUZZ_CHECK(type != nullptr, "no openrouter.models node type");
    return new sdk::Json(type->info().parameter_schema);
  }();
  return *schema;
}

// The node's evaluated parameters as the host hands them over: checked, defaults applied.
sdk::Json QueryParameters(std::string_view line) {
  sdk::Json params = sdk::Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!params.is_object()) return sdk::Json::object();
  std::vector<sdk::SchemaViolation> violations;
  sdk::ValidateAgainstSchema(params, ModelsParameterSchema(), violations);
  if (!violations.empty()) return sdk::Json::object();
  return sdk::ApplySchemaDefaults(params, ModelsParameterSchema());
}

void CheckQuery(const ModelQuery& query, const Catalogue& catalogue) {
  std::vector<const CatalogueModel*> found = query.Run(catalogue);
  if (query.limit > 0)
    FUZZ_CHECK(found.size() <= query.limit, found.size() << " > " << query.limit);
  std::set<const CatalogueModel*> seen;
  for (const CatalogueModel* model : found) {
    FUZZ_CHECK(query.Matches(*model), model->id << " returned but does not match");
    FUZZ_CHECK(seen.insert(model).second, model->id << " returned twice");
  }
}

}  // namespace
}  // namespace flowhost::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowhost;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t newline = text.find('\n');
  std::string_view query_line = text.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? "" : text.substr(newline + 1);

  auto catalogue = nodes::openrouter::Catalogue::Parse(body, absl::FromUnixSeconds(1'700'000'000));
  if (!catalogue.ok()) {
    fuzz::CheckClassifiedError(catalogue.status());
    FUZZ_CHECK(sdk::ErrorClassOf(catalogue.status()) == sdk::error_class::kMalformedResponse,
               catalogue.status());
    return 0;
  }
  std::set<std::string> ids;
  for (const nodes::openrouter::CatalogueModel& model : (*catalogue)->models()) {
    FUZZ_CHECK(ids.insert(model.id).second, "id " << model.id << " twice");
    FUZZ_CHECK((*catalogue)->Find(model.id) == &model, "Find(" << model.id << ") misses it");
    FUZZ_CHECK(model.ToItem().is_object(), model.id);
  }

  absl::StatusOr<nodes::openrouter::ModelQuery> query =
      nodes::openrouter::ModelQuery::FromParams(fuzz::QueryParameters(query_line));
  if (!query.ok()) {
    FUZZ_CHECK(query.status().code() == absl::StatusCode::kInvalidArgument, query.status());
    return 0;
  }
  fuzz::CheckQuery(*query, **catalogue);
  return 0;
}
