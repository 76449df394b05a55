// The parameter schema of a chat completion, shared by `openrouter.chat` and by the chat routes of
// `router.fallback` (a route is a chat configuration that inherits the router's shared settings).
//
// Thread-safety: pure functions; the returned JSON is a fresh copy.
#ifndef FLOWHOST_NODES_OPENROUTER_CHAT_SCHEMA_H_
#define FLOWHOST_NODES_OPENROUTER_CHAT_SCHEMA_H_

#include <string>
#include <vector>

#include "flowhost/sdk/json.h"

namespace flowhost::nodes::openrouter {

// Properties for what is asked and how (messages, system, prompt, sampling, response_format, tools,
// reasoning, provider preferences, user, extra). Not the model, the credential or node settings.
sdk::Json ChatSettingsProperties();

// The names of ChatSettingsProperties(), in a stable order.
const std::vector<std::string>& ChatSettingNames();

// Properties naming the model: `model` and `models` (OpenRouter's server-side fallback list).
sdk::Json ModelProperties();

// The full parameter schema of `openrouter.chat`.
sdk::Json ChatNodeSchema();

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_CHAT_SCHEMA_H_
