#include "nodes/openrouter/models_node.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/cancellable_wait.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_batch.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/output_schema.h"
#include "flowhost/openrouter/model_query.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;

Json ModelsSchema() {
  Json properties = ModelQueryProperties();
  properties["credential"] = {{"type", "string"},
                              {"default", "openrouter"},
                              {"x-credential", true},
                              {"description", "The host credential holding the key and base URL."}};
  return Json{{"type", "object"}, {"additionalProperties", false}, {"properties", properties}};
}

class ModelsNode : public sdk::Node {
 public:
  ModelsNode(std::shared_ptr<OpenRouterClient> client, std::optional<ModelQuery> static_query)
      : client_(std::move(client)), static_query_(std::move(static_query)) {}

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    size_t count = context.inputs().empty() ? 0 : context.inputs()[0].size();
    sdk::ItemBatch::Run(
        count, /*limit=*/1, context.scheduler(), context.cancellation(),
        [this, &context](size_t index, const sdk::CancellationToken& token,
                         sdk::ItemBatch::ItemDone item_done) {
          List(context, index, token, std::move(item_done));
        },
        [done = std::move(done)](absl::StatusOr<sdk::Items> lists) mutable {
          if (!lists.ok()) {
            done(lists.status());
            return;
          }
          sdk::Items models;
          for (Json& list : *lists) {
            for (Json& model : list) models.push_back(std::move(model));
          }
          sdk::NodeResult result;
          result.outputs.push_back(std::move(models));
          done(std::move(result));
        });
  }

 private:
  void List(sdk::NodeContext& context, size_t index, const sdk::CancellationToken& token,
            sdk::ItemBatch::ItemDone item_done) const {
    absl::StatusOr<Json> params = context.params().ForItem(index);
    if (!params.ok()) {
      item_done(params.status());
      return;
    }
    absl::StatusOr<ModelQuery> query = static_query_.has_value()
                                           ? absl::StatusOr<ModelQuery>(*static_query_)
                                           : ModelQuery::FromParams(*params);
    if (!query.ok()) {
      item_done(query.status());
      return;
    }
    absl::StatusOr<Endpoint> endpoint = ResolveEndpoint(context, CredentialNameOf(*params));
    if (!endpoint.ok()) {
      item_done(endpoint.status());
      return;
    }
    auto wait = sdk::CancellableWait<CataloguePtr>::Start(
        token, [query = *std::move(query),
                item_done = std::move(item_done)](absl::StatusOr<CataloguePtr> catalogue) mutable {
          if (!catalogue.ok()) {
            item_done(catalogue.status());
            return;
          }
          Json list = Json::array();
          for (const CatalogueModel* model : query.Run(**catalogue)) {
            list.push_back(model->ToItem());
          }
          item_done(std::move(list));
        });
    client_->GetCatalogue(
        *endpoint, context.http(), context.scheduler().clock(),
        [wait](absl::StatusOr<CataloguePtr> catalogue) { wait->Deliver(std::move(catalogue)); });
  }

  std::shared_ptr<OpenRouterClient> client_;
  std::optional<ModelQuery> static_query_;  // when no parameter is an expression
};

}  // namespace

ModelsNodeType::ModelsNodeType(std::shared_ptr<OpenRouterClient> client)
    : client_(std::move(client)) {
  info_.type = "openrouter.models";
  info_.version = 1;
  info_.description =
      "Lists OpenRouter's model catalogue (cached in the process): filter by price, free, id, "
      "author, context length, modalities and supported parameters; sort; limit.";
  info_.parameter_schema = ModelsSchema();
  info_.output_schema = sdk::ExactOutputSchema(ModelItemFields());
}

std::unique_ptr<sdk::Node> ModelsNodeType::Create(sdk::NodeConfig& config) const {
  std::optional<ModelQuery> static_query;
  if (!config.IsDynamic("")) {
    absl::StatusOr<ModelQuery> query = ModelQuery::FromParams(config.params());
    if (!query.ok()) {
      config.Error("/id_regex", sdk::AsStd(query.status().message()));
      return nullptr;
    }
    static_query = *std::move(query);
  } else if (!config.IsDynamic("/id_regex")) {
    // Check a constant regular expression now, even when other parameters are dynamic.
    Json only_regex = Json::object();
    if (auto it = config.params().find("id_regex"); it != config.params().end()) {
      only_regex["id_regex"] = *it;
    }
    if (absl::StatusOr<ModelQuery> query = ModelQuery::FromParams(only_regex); !query.ok()) {
      config.Error("/id_regex", sdk::AsStd(query.status().message()));
      return nullptr;
    }
  }
  return std::make_unique<ModelsNode>(client_, std::move(static_query));
}

}  // namespace flowhost::nodes::openrouter
