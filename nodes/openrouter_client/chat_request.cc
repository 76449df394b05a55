#include <algorithm>
#include <functional>
#include <iterator>
#include <set>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;

// Settings the node turns into messages (or merges) itself rather than copying them.
constexpr std::string_view kBuiltSettings[] = {"messages", "system", "prompt", "extra"};

// Whether a parameter is a chat setting copied into the body as it is (when not null): every
// setting of the schema but those the node builds.
bool IsPassedSetting(std::string_view name) {
  static const auto* passed = [] {
    auto* names = new std::set<std::string, std::less<>>;
    for (const std::string& setting : ChatSettingNames()) {
      if (std::find(std::begin(kBuiltSettings), std::end(kBuiltSettings), setting) ==
          std::end(kBuiltSettings)) {
        names->insert(setting);
      }
    }
    return names;
  }();
  return passed->count(name) > 0;
}

// Fields `extra` may not set: the node builds them itself.
constexpr const char* kReservedFields[] = {"model", "models", "messages", "stream"};

absl::Status Invalid(std::string message) {
  return sdk::NodeError(absl::StatusCode::kInvalidArgument, sdk::error_class::kInvalidInput,
                        message);
}

bool NonEmptyString(const Json& params, const char* name) {
  auto it = params.find(name);
  return it != params.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

// {"role": role, "content": content}.
Json Message(const char* role, const Json& content) {
  Json message = Json::object();
  Json::object_t& fields = message.get_ref<Json::object_t&>();
  fields.emplace("role", role);
  fields.emplace("content", content);
  return message;
}

void AddText(const Json& content, int64_t& chars) {
  if (content.is_string()) {
    chars += static_cast<int64_t>(content.get_ref<const std::string&>().size());
  } else if (content.is_array()) {
    for (const Json& part : content) {
      if (part.is_object()) {
        if (auto text = part.find("text"); text != part.end()) AddText(*text, chars);
      }
    }
  }
}

}  // namespace

absl::StatusOr<Json> BuildChatBody(const Json& params, bool stream) {
  if (!params.is_object()) return Invalid("chat parameters must be an object");
  Json body = Json::object();
  if (auto extra = params.find("extra"); extra != params.end() && extra->is_object()) {
    for (const char* reserved : kReservedFields) {
      if (extra->contains(reserved)) {
        return Invalid(absl::StrCat("extra.", reserved, " is set by the node; use the '", reserved,
                                    "' parameter instead"));
      }
    }
    body = *extra;
  }
  // Fields are set in place (insert_or_assign: known fields win over `extra`), without the
  // temporaries and copies of nlohmann's initializer lists.
  Json::object_t& fields = body.get_ref<Json::object_t&>();

  auto model = params.find("model");
  bool has_model =
      model != params.end() && model->is_string() && !model->get_ref<const std::string&>().empty();
  auto models = params.find("models");
  bool has_models = models != params.end() && models->is_array() && !models->empty();
  if (!has_model && !has_models) return Invalid("no model: set 'model' or 'models'");
  if (has_model) fields.insert_or_assign("model", *model);
  if (has_models) fields.insert_or_assign("models", *models);

  Json messages = Json::array();
  Json::array_t& list = messages.get_ref<Json::array_t&>();
  auto system = params.find("system");
  bool has_system = system != params.end() && system->is_string() &&
                    !system->get_ref<const std::string&>().empty();
  auto given = params.find("messages");
  bool has_given = given != params.end() && given->is_array();
  auto prompt = params.find("prompt");
  bool has_prompt = prompt != params.end() && prompt->is_string() &&
                    !prompt->get_ref<const std::string&>().empty();
  list.reserve((has_system ? 1 : 0) + (has_given ? given->size() : 0) + (has_prompt ? 1 : 0));
  if (has_system) list.push_back(Message("system", *system));
  if (has_given) {
    for (const Json& message : *given) list.push_back(message);
  }
  if (has_prompt) list.push_back(Message("user", *prompt));
  if (list.empty()) return Invalid("no messages: set 'prompt' or 'messages'");
  fields.insert_or_assign("messages", std::move(messages));

  for (const auto& [name, value] : params.items()) {
    if (!value.is_null() && IsPassedSetting(name)) fields.insert_or_assign(name, value);
  }
  if (stream) fields.insert_or_assign("stream", true);
  // Ask OpenRouter to report the call's cost in `usage` (current API versions always do).
  if (fields.find("usage") == fields.end()) {
    Json usage = Json::object();
    usage.get_ref<Json::object_t&>().emplace("include", true);
    fields.emplace("usage", std::move(usage));
  }
  return body;
}

std::vector<ParamProblem> CheckChatParams(const Json& params, bool require_model,
                                          const std::function<bool(std::string_view)>& dynamic) {
  std::vector<ParamProblem> problems;
  if (!params.is_object()) return problems;
  if (require_model && !dynamic("/model") && !dynamic("/models") &&
      !NonEmptyString(params, "model") &&
      !(params.contains("models") && params["models"].is_array() && !params["models"].empty())) {
    problems.push_back({"", "set 'model' (or 'models', OpenRouter's fallback list)"});
  }
  if (!params.contains("prompt") && !params.contains("messages")) {
    problems.push_back({"", "set 'prompt' (a user message) or 'messages'"});
  }
  if (auto extra = params.find("extra"); extra != params.end() && extra->is_object()) {
    for (const char* reserved : kReservedFields) {
      if (extra->contains(reserved)) {
        problems.push_back(
            {absl::StrCat("/extra/", reserved),
             absl::StrCat("set by the node; use the '", reserved, "' parameter instead")});
      }
    }
  }
  return problems;
}

std::string ModelLabel(const Json& params) {
  if (NonEmptyString(params, "model")) return params["model"].get<std::string>();
  auto models = params.find("models");
  if (models == params.end() || !models->is_array()) return "";
  std::vector<std::string> names;
  for (const Json& m : *models) names.push_back(m.is_string() ? m.get<std::string>() : m.dump());
  return absl::StrJoin(names, ", ");
}

int64_t EstimatePromptTokens(const Json& body) {
  int64_t chars = 0;
  if (auto messages = body.find("messages"); messages != body.end() && messages->is_array()) {
    for (const Json& message : *messages) {
      if (message.is_object()) {
        if (auto content = message.find("content"); content != message.end()) {
          AddText(*content, chars);
        }
      }
    }
  }
  return (chars + 3) / 4;
}

}  // namespace flowhost::nodes::openrouter
