#include <string>
#include <vector>

#include "flowhost/openrouter/client.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;

// A number in [minimum, maximum] or null (OpenRouter treats null as "not set"; so does the node).
Json NullableNumber(double minimum, double maximum, const char* description) {
  return Json{{"type", {"number", "null"}},
              {"minimum", minimum},
              {"maximum", maximum},
              {"description", description}};
}

Json NullableInteger(const char* description) {
  return Json{{"type", {"integer", "null"}}, {"description", description}};
}

Json Object(const char* description) {
  return Json{{"type", "object"}, {"description", description}};
}

Json MessageSchema() {
  return Json{
      {"type", "object"},
      {"required", {"role"}},
      {"additionalProperties", false},
      {"properties",
       {{"role",
         {{"type", "string"},
          {"enum", {"system", "developer", "user", "assistant", "tool"}},
          {"description", "Who speaks."}}},
        {"content",
         {{"type", {"string", "array", "null"}},
          {"description", "Text, or a list of content parts (text, image_url, file, ...)."}}},
        {"name", {{"type", "string"}}},
        {"tool_call_id",
         {{"type", "string"}, {"description", "For role tool: the call answered."}}},
        {"tool_calls", {{"type", "array"}, {"description", "For role assistant: calls it made."}}},
        {"reasoning",
         {{"type", {"string", "null"}},
          {"description", "For role assistant: its reasoning text, sent back in a conversation."}}},
        {"reasoning_details",
         {{"type", "array"},
          {"description",
           "For role assistant: the reasoning blocks an earlier answer returned, passed back "
           "unchanged (multi-turn tool use with reasoning models needs them)."}}},
        {"refusal", {{"type", {"string", "null"}}, {"description", "For role assistant."}}},
        {"images",
         {{"type", "array"}, {"description", "For role assistant: images it generated."}}},
        {"audio",
         {{"type", {"object", "null"}},
          {"description", "For role assistant: its audio output."}}}}}};
}

Json ProviderSchema() {
  Json strings_or_null = {{"type", {"array", "null"}}, {"items", {{"type", "string"}}}};
  Json flag = {{"type", {"boolean", "null"}}};
  Json price = {{"type", {"number", "string"}}};  // OpenRouter accepts both
  Json sort_key = {{"type", "string"},
                   {"enum", {"price", "throughput", "latency"}},
                   {"description", "What to sort providers by."}};
  Json threshold = {{"type", {"number", "object", "null"}},
                    {"description", "A number (p50), or an object of percentile cut-offs."}};
  return Json{
      {"type", {"object", "null"}},
      {"description",
       "OpenRouter provider routing preferences, passed through (fields OpenRouter adds later are "
       "accepted too)."},
      {"properties",
       {{"order", strings_or_null},
        {"allow_fallbacks", flag},
        {"require_parameters", flag},
        {"data_collection",
         {{"type", {"string", "null"}},
          {"enum", {"allow", "deny", nullptr}},
          {"description", "Whether providers that store or train on data are allowed."}}},
        {"zdr", flag},
        {"enforce_distillable_text", flag},
        {"only", strings_or_null},
        {"ignore", strings_or_null},
        {"quantizations", strings_or_null},
        {"sort",
         {{"type", {"string", "object", "null"}},
          {"description",
           "How to order providers: price, throughput or latency, or {by, partition} where "
           "partition is model (the default: fallback models stay fallbacks) or none."},
          {"properties",
           {{"by", sort_key}, {"partition", {{"type", "string"}, {"enum", {"model", "none"}}}}}},
          {"additionalProperties", false}}},
        {"max_price",
         {{"type", "object"},
          {"description",
           "Highest price accepted, USD per million tokens (per request, per image): prompt, "
           "completion, request, image, audio."},
          {"properties",
           {{"prompt", price},
            {"completion", price},
            {"request", price},
            {"image", price},
            {"audio", price}}}}},
        {"preferred_min_throughput", threshold},
        {"preferred_max_latency", threshold}}}};
}

Json ReasoningSchema() {
  return Json{
      {"type", "object"},
      {"description",
       "Reasoning settings: effort (xhigh, high, medium, low, minimal or none) or max_tokens, "
       "exclude, enabled, summary."},
      {"properties",
       {{"effort",
         {{"type", {"string", "null"}},
          {"enum", {"xhigh", "high", "medium", "low", "minimal", "none", nullptr}}}},
        {"max_tokens", {{"type", {"integer", "null"}}, {"minimum", 0}}},
        {"exclude", {{"type", "boolean"}}},
        {"enabled", {{"type", "boolean"}}},
        {"summary",
         {{"type", {"string", "null"}},
          {"description",
           "How much of a reasoning summary to return: auto, concise, detailed."}}}}}};
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
      {"temperature", NullableNumber(0, 2, "Sampling temperature.")},
      {"top_p", NullableNumber(0, 1, "Nucleus sampling.")},
      {"top_k", {{"type", {"integer", "null"}}, {"minimum", 0}}},
      {"max_tokens",
       {{"type", {"integer", "null"}},
        {"minimum", 1},
        {"description", "Most tokens to generate; also bounds the router's worst-case cost."}}},
      {"max_completion_tokens",
       {{"type", {"integer", "null"}},
        {"minimum", 1},
        {"description", "Most tokens to generate (OpenAI's newer name for max_tokens)."}}},
      {"stop",
       {{"type", {"string", "array", "null"}},
        {"items", {{"type", "string"}}},
        {"description", "Stop sequence(s)."}}},
      {"seed", NullableInteger("For repeatable sampling, where the provider supports it.")},
      {"frequency_penalty", NullableNumber(-2, 2, "Penalises tokens by how often they appeared.")},
      {"presence_penalty", NullableNumber(-2, 2, "Penalises tokens that appeared at all.")},
      {"repetition_penalty", NullableNumber(0, 2, "Penalises repeated tokens (1 is none).")},
      {"min_p",
       NullableNumber(0, 1, "Least probability a token needs, relative to the likeliest.")},
      {"top_a", NullableNumber(0, 1, "Dynamic top-p by the likeliest token's probability.")},
      {"logit_bias",
       {{"type", {"object", "null"}}, {"description", "Token id -> bias, -100 to 100."}}},
      {"logprobs", {{"type", {"boolean", "null"}}, {"description", "Return log probabilities."}}},
      {"top_logprobs",
       {{"type", {"integer", "null"}},
        {"minimum", 0},
        {"maximum", 20},
        {"description", "Most likely tokens to return at each position (with logprobs)."}}},
      {"response_format",
       {{"type", "object"},
        {"required", {"type"}},
        {"additionalProperties", false},
        {"description",
         "text, json_object, json_schema (with a `json_schema` object), grammar (with a "
         "`grammar` string) or python."},
        {"properties",
         {{"type",
           {{"type", "string"},
            {"enum", {"text", "json_object", "json_schema", "grammar", "python"}}}},
          {"json_schema", {{"type", "object"}}},
          {"grammar", {{"type", "string"}}}}}}},
      {"structured_outputs",
       {{"type", {"boolean", "null"}},
        {"description", "Only use providers that support structured outputs."}}},
      {"tools",
       {{"type", "array"},
        {"items", {{"type", "object"}}},
        {"description", "Tool (function) definitions, in OpenAI's shape."}}},
      {"tool_choice",
       {{"type", {"string", "object"}},
        {"description", "none, auto, required, or {type: function, function: {name}}."}}},
      {"parallel_tool_calls",
       {{"type", {"boolean", "null"}},
        {"description", "Whether the model may call several tools in one answer."}}},
      {"reasoning", ReasoningSchema()},
      {"include_reasoning",
       {{"type", {"boolean", "null"}},
        {"description", "Older switch for returning reasoning; prefer `reasoning`."}}},
      {"verbosity",
       {{"type", {"string", "null"}},
        {"description", "How long the answer should be: low, medium or high."}}},
      {"provider", ProviderSchema()},
      {"plugins",
       {{"type", "array"},
        {"items", {{"type", "object"}}},
        {"description",
         "OpenRouter plugins with their settings ({id: web}, {id: file-parser}, ...)."}}},
      {"transforms",
       {{"type", "array"},
        {"items", {{"type", "string"}}},
        {"description", "Prompt transforms, e.g. middle-out."}}},
      {"modalities",
       {{"type", "array"},
        {"items", {{"type", "string"}}},
        {"description", "Output modalities: text, image, audio."}}},
      {"prediction", Object("A predicted output ({type: content, content}), to speed up edits.")},
      {"image_config", Object("Image generation settings (aspect_ratio, ...).")},
      {"web_search_options", Object("Web search settings (search_context_size, ...).")},
      {"metadata", Object("Key-value pairs kept with the request (at most 16).")},
      {"session_id",
       {{"type", "string"},
        {"maxLength", 256},
        {"description", "Groups related requests (a conversation) in OpenRouter's logs."}}},
      {"trace", Object("Observability metadata (trace_id, span_name, ...).")},
      {"service_tier",
       {{"type", {"string", "null"}},
        {"description", "The provider's service tier: auto, default, flex, priority, scale."}}},
      {"cache_control", Object("Automatic prompt caching, e.g. {type: ephemeral}.")},
      {"usage", Object("Usage accounting; the node asks for {include: true} unless set.")},
      {"stream_options", Object("Streaming settings, when streaming.")},
      {"debug", Object("OpenRouter's debug options (streaming only).")},
      {"user", {{"type", "string"}, {"description", "A stable id for the end user."}}},
      {"extra",
       {{"type", "object"},
        {"description",
         "Fields added to the request body as they are, for OpenRouter parameters this node does "
         "not know yet. Cannot set model, models, messages or stream."}}},
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

}  // namespace flowhost::nodes::openrouter
