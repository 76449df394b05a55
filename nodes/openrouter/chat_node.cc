#include "nodes/openrouter/chat_node.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/cancellable_wait.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_batch.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/output_schema.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;

class ChatNode : public sdk::Node {
 public:
  ChatNode(std::shared_ptr<OpenRouterClient> client, size_t concurrency)
      : client_(std::move(client)), concurrency_(concurrency) {}

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    sdk::ItemBatch::RunForNode(
        context, concurrency_,
        [this, &context](size_t index, const sdk::CancellationToken& token,
                         sdk::ItemBatch::ItemDone item_done) {
          StartItem(context, index, token, std::move(item_done));
        },
        std::move(done));
  }

 private:
  void StartItem(sdk::NodeContext& context, size_t index, const sdk::CancellationToken& token,
                 sdk::ItemBatch::ItemDone item_done) const {
    absl::StatusOr<Json> params = context.params().ForItem(index);
    if (!params.ok()) {
      item_done(params.status());
      return;
    }
    absl::StatusOr<Endpoint> endpoint = ResolveEndpoint(context, CredentialNameOf(*params));
    if (!endpoint.ok()) {
      item_done(endpoint.status());
      return;
    }
    bool listening = context.events().wants_tokens();
    bool stream = listening || sdk::BoolField(*params, "stream");
    absl::StatusOr<Json> body = BuildChatBody(*params, stream);
    if (!body.ok()) {
      item_done(sdk::Annotate(body.status(), absl::StrCat("item ", index)));
      return;
    }
    ChatCallRequest request;
    request.endpoint = *std::move(endpoint);
    request.body = *std::move(body);
    request.stream = stream;
    request.model_label = ModelLabel(*params);
    request.token = token;
    if (stream && listening) {
      sdk::EventSink* events = &context.events();
      request.on_delta = [events, index](std::string_view text, std::string_view kind) {
        events->TokenDelta(index, text, kind);
      };
    }
    if (!context.CostRemaining().has_value()) {
      Call(context, index, std::move(request), /*reserved_usd=*/0, std::move(item_done));
      return;
    }
    // The execution has a cost budget (the workflow's max_cost_usd): the call's worst case, from
    // the catalogue's prices, is reserved before it is made, and refused when it does not fit.
    Endpoint catalogue_endpoint = request.endpoint;
    auto wait = sdk::CancellableWait<CataloguePtr>::Start(
        token, [this, &context, index, token, request = std::move(request),
                item_done = std::move(item_done)](absl::StatusOr<CataloguePtr> catalogue) mutable {
          if (!catalogue.ok()) {
            item_done(token.cancelled()
                          ? catalogue.status()
                          : sdk::Annotate(catalogue.status(),
                                          absl::StrCat("item ", index,
                                                       ": the workflow's max_cost_usd needs the "
                                                       "model catalogue's prices")));
            return;
          }
          std::optional<double> worst = WorstCaseCost(**catalogue, request.body);
          if (!worst.has_value()) {
            item_done(sdk::NodeError(
                absl::StatusCode::kFailedPrecondition, sdk::error_class::kLimitExceeded,
                absl::StrCat("item ", index, ": the worst-case cost of '", request.model_label,
                             "' cannot be estimated (a model is not in the catalogue or has "
                             "variable prices), so the call cannot be held to the workflow's "
                             "max_cost_usd")));
            return;
          }
          if (absl::Status refused = context.ReserveCost(*worst); !refused.ok()) {
            item_done(sdk::Annotate(
                refused, absl::StrCat("item ", index, " ('", request.model_label, "')")));
            return;
          }
          Call(context, index, std::move(request), *worst, std::move(item_done));
        });
    client_->GetCatalogue(
        catalogue_endpoint, context.http(), context.scheduler().clock(),
        [wait](absl::StatusOr<CataloguePtr> catalogue) { wait->Deliver(std::move(catalogue)); });
  }

  // Makes the chat call for item `index`; `reserved_usd` of the execution's budget was reserved
  // for it, and is settled by what it cost.
  void Call(sdk::NodeContext& context, size_t index, ChatCallRequest request, double reserved_usd,
            sdk::ItemBatch::ItemDone item_done) const {
    client_->Chat(
        std::move(request), context.http(), context.scheduler().clock(),
        [&context, index, reserved_usd,
         item_done = std::move(item_done)](ChatCallResult result) mutable {
          result.record.item_index = index;
          context.SettleCost(reserved_usd, result.cost_usd.value_or(0));
          context.RecordAttempt(result.record);
          if (!result.status.ok()) {
            // An item cancelled because a sibling failed (or the execution stopped) is not a
            // failure of its own: the sibling's warning says what went wrong.
            const sdk::LogLevel level = result.record.error_class == sdk::error_class::kCancelled
                                            ? sdk::LogLevel::kDebug
                                            : sdk::LogLevel::kWarning;
            if (context.logger().Enabled(level)) {
              context.logger().Log(level, "chat completion failed",
                                   Json{{"item", index},
                                        {"model", result.record.model},
                                        {"error_class", result.record.error_class},
                                        {"error", result.record.error_message}});
            }
            item_done(std::move(result.status));
            return;
          }
          if (context.logger().Enabled(sdk::LogLevel::kDebug)) {
            context.logger().Log(
                sdk::LogLevel::kDebug, "chat completion",
                Json{{"item", index},
                     {"model", result.record.model},
                     {"provider", result.record.provider},
                     {"prompt_tokens", result.record.prompt_tokens},
                     {"completion_tokens", result.record.completion_tokens},
                     {"latency_ms", absl::ToDoubleMilliseconds(result.record.latency)}});
          }
          item_done(std::move(result.item));
        });
  }

  std::shared_ptr<OpenRouterClient> client_;
  size_t concurrency_;
};

}  // namespace

Json ChatNodeSchema() {
  Json properties = ChatSettingsProperties();
  properties.update(ModelProperties());
  properties["credential"] = {{"type", "string"},
                              {"default", "openrouter"},
                              {"x-credential", true},
                              {"description", "The host credential holding the key and base URL."}};
  properties["stream"] = {
      {"type", "boolean"},
      {"default", false},
      {"description",
       "Stream from OpenRouter even when no caller listens for tokens (streaming is used "
       "automatically when one does)."}};
  properties["concurrency"] = {{"type", "integer"},
                               {"minimum", 1},
                               {"maximum", 256},
                               {"default", 4},
                               {"description", "Input items processed at the same time."}};
  return Json{{"type", "object"}, {"additionalProperties", false}, {"properties", properties}};
}

ChatNodeType::ChatNodeType(std::shared_ptr<OpenRouterClient> client) : client_(std::move(client)) {
  info_.type = "openrouter.chat";
  info_.version = 1;
  info_.description =
      "One OpenRouter chat completion per input item (concurrently, streamed when the caller "
      "streams); outputs the answer, the model and provider that gave it, tokens and cost.";
  info_.parameter_schema = ChatNodeSchema();
  info_.output_schema = sdk::ExactOutputSchema(ChatItemFields());
}

std::unique_ptr<sdk::Node> ChatNodeType::Create(sdk::NodeConfig& config) const {
  const Json& params = config.params();
  auto dynamic = [&config](std::string_view pointer) { return config.IsDynamic(pointer); };
  for (const ParamProblem& problem : CheckChatParams(params, /*require_model=*/true, dynamic)) {
    config.Error(problem.pointer, problem.message);
  }
  size_t concurrency = 4;
  if (config.IsDynamic("/concurrency")) {
    config.Error("/concurrency", "must be a constant (it is fixed when the workflow loads)");
  } else if (auto it = params.find("concurrency"); it != params.end() && it->is_number_integer()) {
    concurrency = static_cast<size_t>(std::max<int64_t>(1, it->get<int64_t>()));
  }
  return std::make_unique<ChatNode>(client_, concurrency);
}

}  // namespace flowhost::nodes::openrouter
