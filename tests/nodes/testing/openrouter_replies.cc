#include "tests/nodes/testing/openrouter_replies.h"

namespace flowhost::node_testing {

using sdk::Json;

namespace {

Json Usage(const Reply& reply) {
  Json usage = {{"prompt_tokens", reply.prompt_tokens},
                {"completion_tokens", reply.completion_tokens},
                {"total_tokens", reply.prompt_tokens + reply.completion_tokens}};
  if (reply.cost.has_value()) usage["cost"] = *reply.cost;
  return usage;
}

Json Chunk(const Reply& reply, Json choices) {
  return Json{{"id", reply.id},        {"provider", reply.provider},
              {"model", reply.model},  {"object", "chat.completion.chunk"},
              {"created", 1732431234}, {"choices", std::move(choices)}};
}

std::string Event(const Json& data) { return "data: " + data.dump() + "\n\n"; }

}  // namespace

std::string CompletionBody(const Reply& reply) {
  return Json{{"id", reply.id},
              {"provider", reply.provider},
              {"model", reply.model},
              {"object", "chat.completion"},
              {"created", 1732431234},
              {"choices",
               {{{"index", 0},
                 {"message", {{"role", "assistant"}, {"content", reply.content}}},
                 {"finish_reason", reply.finish_reason},
                 {"native_finish_reason", reply.finish_reason}}}},
              {"usage", Usage(reply)}}
      .dump();
}

std::vector<std::string> StreamEvents(const Reply& reply, const std::vector<std::string>& pieces) {
  std::vector<std::string> out;
  out.push_back(": OPENROUTER PROCESSING\n\n");
  out.push_back(
      Event(Chunk(reply, Json::array({{{"index", 0},
                                       {"delta", {{"role", "assistant"}, {"content", ""}}},
                                       {"finish_reason", nullptr}}}))));
  for (const std::string& piece : pieces) {
    out.push_back(Event(Chunk(reply, Json::array({{{"index", 0},
                                                   {"delta", {{"content", piece}}},
                                                   {"finish_reason", nullptr}}}))));
  }
  out.push_back(Event(Chunk(reply, Json::array({{{"index", 0},
                                                 {"delta", Json::object()},
                                                 {"finish_reason", reply.finish_reason}}}))));
  Json usage_chunk = Chunk(reply, Json::array());
  usage_chunk["usage"] = Usage(reply);
  out.push_back(Event(usage_chunk));
  out.push_back("data: [DONE]\n\n");
  return out;
}

std::string ErrorBody(int code, const std::string& message, const Json& metadata) {
  Json error = {{"code", code}, {"message", message}};
  if (!metadata.is_null()) error["metadata"] = metadata;
  return Json{{"error", error}}.dump();
}

Json CatalogueEntry(const std::string& id, const std::string& prompt_price,
                    const std::string& completion_price, int64_t context_length,
                    int64_t max_completion_tokens) {
  return Json{
      {"id", id},
      {"name", id},
      {"created", 1700000000},
      {"context_length", context_length},
      {"architecture", {{"input_modalities", {"text"}}, {"output_modalities", {"text"}}}},
      {"pricing", {{"prompt", prompt_price}, {"completion", completion_price}, {"request", "0"}}},
      {"top_provider",
       {{"context_length", context_length}, {"max_completion_tokens", max_completion_tokens}}},
      {"supported_parameters", {"max_tokens", "temperature"}}};
}

std::string CatalogueBody(const std::vector<Json>& entries) {
  return Json{{"data", entries}}.dump();
}

}  // namespace flowhost::node_testing
