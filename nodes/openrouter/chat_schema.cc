#include "nodes/openrouter/chat_schema.h"

#include <string>
#include <vector>

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;

Json StringArray(const char* description) {
  return Json{{"type", "array"}, {"items", {{"type", "string"}}}, {"description", description}};
}

Json MessageSchema() {
  return Json{{"type", "object"},
              {"required", {"role"}},
              {"additionalProperties", false},
              {"properties",
               {{"role",
                 {{"type", "string"},
                  {"enum", {"system", "developer", "user", "assistant", "tool"}},
                  {"description", "Who speaks."}}},
                {"content",
                 {{"type", {"string", "array", "null"}},
                  {"description", "Text, or a list of content parts (text, image_url, ...)."}}},
                {"name", {{"type", "string"}}},
                {"tool_call_id",
                 {{"type", "string"}, {"description", "For role tool: the call answered."}}},
                {"tool_calls",
                 {{"type", "array"}, {"description", "For role assistant: calls it made."}}}}}};
}

Json ProviderSchema() {
  return Json{
      {"type", "object"},
      {"description",
       "OpenRouter provider routing preferences, passed through (fields OpenRouter adds later are "
       "accepted too)."},
      {"properties",
       {{"order", StringArray("Providers to try first, in order.")},
        {"allow_fallbacks",
         {{"type", "boolean"}, {"description", "Whether other providers may serve the request."}}},
        {"require_parameters",
         {{"type", "boolean"},
          {"description", "Only use providers that support every parameter sent."}}},
        {"data_collection",
         {{"type", "string"},
          {"enum", {"allow", "deny"}},
          {"description", "Whether providers that store or train on data are allowed."}}},
        {"only", StringArray("Use only these providers.")},
        {"ignore", StringArray("Never use these providers.")},
        {"quantizations", StringArray("Accepted quantizations (int4, fp8, ...).")},
        {"sort",
         {{"type", "string"},
          {"enum", {"price", "throughput", "latency"}},
          {"description", "How to order providers."}}},
        {"max_price",
         {{"type", "object"},
          {"description",
           "Highest price accepted, USD per million tokens: prompt, completion, request, image."},
          {"properties",
           {{"prompt", {{"type", "number"}}},
            {"completion", {{"type", "number"}}},
            {"request", {{"type", "number"}}},
            {"image", {{"type", "number"}}}}}}}}}};
}

}  // namespace

Json ChatSettingsProperties() {
  return Json{
      {"messages",
       {{"type", "array"},
        {"items", MessageSchema()},
        {"description",
         "The conversation. `system` is put first and `prompt` appended as a user message."}}},
      {"system", {{"type", "string"}, {"description", "A system message, sent first."}}},
      {"prompt", {{"type", "string"}, {"description", "A user message, sent last."}}},
      {"temperature", {{"type", "number"}, {"minimum", 0}, {"maximum", 2}}},
      {"top_p", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
      {"top_k", {{"type", "integer"}, {"minimum", 0}}},
      {"max_tokens",
       {{"type", "integer"},
        {"minimum", 1},
        {"description", "Most tokens to generate; also bounds the router's worst-case cost."}}},
      {"stop",
       {{"type", {"string", "array"}},
        {"items", {{"type", "string"}}},
        {"description", "Stop sequence(s)."}}},
      {"seed", {{"type", "integer"}}},
      {"frequency_penalty", {{"type", "number"}, {"minimum", -2}, {"maximum", 2}}},
      {"presence_penalty", {{"type", "number"}, {"minimum", -2}, {"maximum", 2}}},
      {"response_format",
       {{"type", "object"},
        {"required", {"type"}},
        {"additionalProperties", false},
        {"description", "json_object, or json_schema with a `json_schema` object."},
        {"properties",
         {{"type", {{"type", "string"}, {"enum", {"text", "json_object", "json_schema"}}}},
          {"json_schema", {{"type", "object"}}}}}}},
      {"tools",
       {{"type", "array"},
        {"items", {{"type", "object"}}},
        {"description", "Tool (function) definitions, in OpenAI's shape."}}},
      {"tool_choice",
       {{"type", {"string", "object"}},
        {"description", "none, auto, required, or {type: function, function: {name}}."}}},
      {"reasoning",
       {{"type", "object"},
        {"description", "Reasoning settings: effort (low/medium/high), max_tokens, exclude."},
        {"properties",
         {{"effort", {{"type", "string"}, {"enum", {"minimal", "low", "medium", "high"}}}},
          {"max_tokens", {{"type", "integer"}, {"minimum", 1}}},
          {"exclude", {{"type", "boolean"}}},
          {"enabled", {{"type", "boolean"}}}}}}},
      {"provider", ProviderSchema()},
      {"user", {{"type", "string"}, {"description", "A stable id for the end user."}}},
      {"extra",
       {{"type", "object"},
        {"description",
         "Fields added to the request body as they are, for OpenRouter parameters this node does "
         "not know (min_p, repetition_penalty, transforms, ...). Cannot set model, models, "
         "messages or stream."}}},
  };
}

const std::vector<std::string>& ChatSettingNames() {
  static const auto* names = [] {
    auto* out = new std::vector<std::string>;
    const Json properties = ChatSettingsProperties();
    for (const auto& [name, unused] : properties.items()) out->push_back(name);
    return out;
  }();
  return *names;
}

Json ModelProperties() {
  return Json{
      {"model",
       {{"type", "string"},
        {"minLength", 1},
        {"description", "The model id, e.g. openai/gpt-4o-mini or a :free variant."}}},
      {"models",
       {{"type", "array"},
        {"items", {{"type", "string"}}},
        {"minItems", 1},
        {"description", "OpenRouter's server-side fallback list: tried in order by OpenRouter."}}},
  };
}

Json ChatNodeSchema() {
  Json properties = ChatSettingsProperties();
  properties.update(ModelProperties());
  properties["credential"] = {{"type", "string"},
                              {"default", "openrouter"},
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

}  // namespace flowhost::nodes::openrouter
