#include "server/config/host_config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/did_you_mean.h"
#include "server/common/json_logger.h"
#include "server/common/utf8_text.h"
#include "server/config/config_settings.h"
#include "yaml-cpp/yaml.h"

namespace flowhost::config {
namespace {

// Collects every problem, so one run reports them all.
class Problems {
 public:
  void Add(std::string message) { messages_.push_back(std::move(message)); }
  bool empty() const { return messages_.empty(); }
  absl::Status ToStatus() const {
    return absl::InvalidArgumentError("invalid configuration:\n" + absl::StrJoin(messages_, "\n"));
  }

 private:
  std::vector<std::string> messages_;
};

// A scalar's text. yaml-cpp 0.7 decodes "\N" and "\_" to bytes that are not UTF-8
// (common::RepairYamlCppEscapes); every configured string must be UTF-8.
std::string Text(const YAML::Node& scalar) {
  std::optional<std::string> repaired = common::RepairYamlCppEscapes(scalar.Scalar());
  return repaired.has_value() ? *std::move(repaired) : scalar.Scalar();
}

std::string Where(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return file + ": ";
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": ";
}

// The names that may follow `prefix` ("" for the top level) in the YAML file.
std::vector<std::string> ChildKeys(const std::string& prefix) {
  std::set<std::string> children;
  std::string start = prefix.empty() ? "" : prefix + ".";
  for (const Setting& setting : AllSettings()) {
    std::string_view key = setting.key;
    if (key.substr(0, start.size()) != start) continue;
    std::string_view rest = key.substr(start.size());
    children.insert(std::string(rest.substr(0, rest.find('.'))));
  }
  return {children.begin(), children.end()};
}

bool IsSection(const std::string& path) {
  std::string start = path + ".";
  for (const Setting& setting : AllSettings()) {
    if (setting.key.substr(0, start.size()) == start) return true;
  }
  return false;
}

void ApplyYamlValue(const Setting& setting, const YAML::Node& value, const std::string& file,
                    HostConfig& config, Problems& problems) {
  std::string where = Where(file, value.Mark()) + "'" + std::string(setting.key) + "': ";
  absl::Status status;
  if (value.IsNull()) return;  // `key:` with nothing: keep the default
  if (value.IsScalar()) {
    status = ApplySettingText(setting, Text(value), config);
  } else if (value.IsSequence()) {
    std::vector<std::string> values;
    for (const YAML::Node& element : value) {
      if (!element.IsScalar()) {
        problems.Add(Where(file, element.Mark()) + "'" + std::string(setting.key) +
                     "': list elements must be plain values");
        return;
      }
      values.push_back(Text(element));
    }
    status = ApplySettingList(setting, std::move(values), config);
  } else {
    status = absl::InvalidArgumentError("expected a value, got a mapping");
  }
  if (!status.ok()) problems.Add(where + std::string(status.message()));
}

// One entry of `credentials:`, merged into what is already configured under its name.
void ApplyCredentialEntry(const std::string& name, const YAML::Node& node, const std::string& file,
                          CredentialConfig& entry, Problems& problems) {
  const std::string path = "credentials." + name;
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    problems.Add(Where(file, node.Mark()) + "'" + path +
                 "' must be a mapping such as {from_env: VARIABLE} or {from_file: PATH}");
    return;
  }
  for (const auto& field : node) {
    const YAML::Node& key_node = field.first;
    if (!key_node.IsScalar()) {
      problems.Add(Where(file, key_node.Mark()) + "keys must be plain words");
      continue;
    }
    const std::string key = Text(key_node);
    const std::vector<std::string>& keys = CredentialEntryKeys();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      std::string message = Where(file, key_node.Mark()) + "unknown key '" + path + "." + key +
                            "' (a credential takes from_env, from_file and attributes)";
      std::string closest = sdk::ClosestMatch(key, keys);
      if (!closest.empty()) message += " (did you mean '" + path + "." + closest + "'?)";
      problems.Add(std::move(message));
      continue;
    }
    const YAML::Node& value = field.second;
    if (value.IsNull()) continue;
    if (key == "attributes") {
      if (!value.IsMap()) {
        problems.Add(Where(file, value.Mark()) + "'" + path +
                     ".attributes' must be a mapping of names to plain values");
        continue;
      }
      for (const auto& attribute : value) {
        if (!attribute.first.IsScalar() || !attribute.second.IsScalar()) {
          problems.Add(Where(file, attribute.first.Mark()) + "'" + path +
                       ".attributes' must map names to plain values");
          continue;
        }
        entry.attributes[Text(attribute.first)] = Text(attribute.second);
      }
      continue;
    }
    if (!value.IsScalar()) {
      problems.Add(Where(file, value.Mark()) + "'" + path + "." + key + "': expected a value");
      continue;
    }
    SetCredentialField(entry, key, Text(value));
  }
}

// `credentials:`, a mapping of names to entries; names are the operator's, not a fixed list.
void ApplyCredentials(const YAML::Node& node, const std::string& file, HostConfig& config,
                      Problems& problems) {
  if (!node.IsMap()) {
    problems.Add(Where(file, node.Mark()) +
                 "'credentials' must be a mapping of credential names to entries");
    return;
  }
  for (const auto& entry : node) {
    const YAML::Node& key_node = entry.first;
    if (!key_node.IsScalar() || !IsCredentialName(Text(key_node))) {
      problems.Add(Where(file, key_node.Mark()) +
                   "a credential name is a plain word of letters, digits, '_', '-' and '.'");
      continue;
    }
    const std::string name = Text(key_node);
    bool is_new = config.credentials.find(name) == config.credentials.end();
    CredentialConfig& credential = config.credentials[name];
    ApplyCredentialEntry(name, entry.second, file, credential, problems);
    if (is_new && credential.from_env.empty() && credential.from_file.empty()) {
      problems.Add(Where(file, key_node.Mark()) + "credentials." + name +
                   ": set from_env (an environment variable) or from_file (a file) to say where "
                   "its secret is read from");
      config.credentials.erase(name);  // reported here, with its place; not again without it
    }
  }
}

// `remote.types:`, a mapping of node type names to {schema_file, description, outputs}.
void ApplyRemoteTypes(const YAML::Node& node, const std::string& file, HostConfig& config,
                      Problems& problems) {
  if (!node.IsMap()) {
    problems.Add(Where(file, node.Mark()) +
                 "'remote.types' must be a mapping of node type names to {schema_file: PATH}");
    return;
  }
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || !entry.second.IsMap()) {
      problems.Add(Where(file, entry.first.Mark()) +
                   "each of remote.types is NAME: {schema_file: PATH, description: TEXT, "
                   "outputs: [NAMES]}");
      continue;
    }
    const std::string name = Text(entry.first);
    RemoteTypeConfig& type = config.remote.types[name];
    for (const auto& field : entry.second) {
      const std::string key = field.first.IsScalar() ? Text(field.first) : "";
      const std::string where = Where(file, field.first.Mark()) + "remote.types." + name + ".";
      if (key == "schema_file" && field.second.IsScalar()) {
        type.schema_file = Text(field.second);
      } else if (key == "description" && field.second.IsScalar()) {
        type.description = Text(field.second);
      } else if (key == "outputs" && field.second.IsSequence()) {
        type.outputs.clear();
        for (const auto& output : field.second) {
          if (output.IsScalar())
            type.outputs.push_back(Text(output));
          else problems.Add(where + "outputs: each output is a name");
        }
      } else if (key == "schema_file" || key == "description" || key == "outputs") {
        problems.Add(where + key + ": expected " +
                     (key == "outputs" ? "a list of names" : "a value"));
      } else {
        std::string message = where + key + ": unknown key (a remote type takes schema_file, "
                                            "description and outputs)";
        std::string closest = sdk::ClosestMatch(key, {"schema_file", "description", "outputs"});
        if (!closest.empty()) message += " (did you mean '" + closest + "'?)";
        problems.Add(std::move(message));
      }
    }
    if (type.schema_file.empty()) {
      problems.Add(Where(file, entry.first.Mark()) + "remote.types." + name +
                   ": set schema_file (the type's parameter schema, a JSON file)");
    }
  }
}

// `remote.managed:`, a mapping of worker ids to {command: [PROGRAM, ARG...]}.
void ApplyManagedWorkers(const YAML::Node& node, const std::string& file, HostConfig& config,
                         Problems& problems) {
  const std::string shape = "each of remote.managed is NAME: {command: [PROGRAM, ARG...]}";
  if (!node.IsMap()) {
    problems.Add(Where(file, node.Mark()) + "'remote.managed' must be a mapping: " + shape);
    return;
  }
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || !entry.second.IsMap()) {
      problems.Add(Where(file, entry.first.Mark()) + shape);
      continue;
    }
    const std::string name = Text(entry.first);
    ManagedWorkerConfig& worker = config.remote.managed[name];
    for (const auto& field : entry.second) {
      const std::string key = field.first.IsScalar() ? Text(field.first) : "";
      const std::string where = Where(file, field.first.Mark()) + "remote.managed." + name + ".";
      if (key == "command" && field.second.IsSequence()) {
        worker.command.clear();
        for (const auto& arg : field.second) {
          if (arg.IsScalar())
            worker.command.push_back(Text(arg));
          else
            problems.Add(where + "command: each argument is a plain value");
        }
      } else if (key == "command") {
        problems.Add(where + "command: expected a list, [PROGRAM, ARG...]");
      } else {
        problems.Add(where + key + ": unknown key (a managed worker takes command)");
      }
    }
    if (worker.command.empty() || worker.command.front().empty()) {
      problems.Add(Where(file, entry.first.Mark()) + "remote.managed." + name +
                   ": set command, the program to run and its arguments");
    }
  }
}

void WalkYaml(const YAML::Node& node, const std::string& prefix, const std::string& file,
              HostConfig& config, Problems& problems) {
  if (!node.IsMap()) {
    problems.Add(Where(file, node.Mark()) +
                 (prefix.empty() ? std::string("the configuration must be a mapping of keys")
                                 : "'" + prefix + "' must be a mapping of keys"));
    return;
  }
  for (const auto& entry : node) {
    const YAML::Node& key_node = entry.first;
    if (!key_node.IsScalar()) {
      problems.Add(Where(file, key_node.Mark()) + "keys must be plain words");
      continue;
    }
    const std::string key = Text(key_node);
    std::string path = prefix.empty() ? key : prefix + "." + key;
    if (path == "credentials") {
      if (!entry.second.IsNull()) ApplyCredentials(entry.second, file, config, problems);
    } else if (path == "remote.types") {
      if (!entry.second.IsNull()) ApplyRemoteTypes(entry.second, file, config, problems);
    } else if (path == "remote.managed") {
      if (!entry.second.IsNull()) ApplyManagedWorkers(entry.second, file, config, problems);
    } else if (const Setting* setting = FindSettingByKey(path)) {
      ApplyYamlValue(*setting, entry.second, file, config, problems);
    } else if (IsSection(path)) {
      if (!entry.second.IsNull()) WalkYaml(entry.second, path, file, config, problems);
    } else {
      std::string message = Where(file, key_node.Mark()) + "unknown key '" + path + "'";
      std::string closest = sdk::ClosestMatch(key, ChildKeys(prefix));
      if (!closest.empty()) {
        message += " (did you mean '" + (prefix.empty() ? closest : prefix + "." + closest) + "'?)";
      }
      problems.Add(std::move(message));
    }
  }
}

void ApplyText(const std::string& file, const std::string& text, HostConfig& config,
               Problems& problems) {
  if (std::optional<size_t> bad = common::FindInvalidUtf8(text)) {
    YAML::Mark mark;  // the byte is not ASCII, so not the newline rfind finds
    mark.line = static_cast<int>(std::count(text.begin(), text.begin() + *bad, '\n'));
    size_t newline = text.rfind('\n', *bad);
    mark.column = static_cast<int>(newline == std::string::npos ? *bad : *bad - newline - 1);
    problems.Add(Where(file, mark) + absl::StrFormat("the file is not valid UTF-8 (byte 0x%02X)",
                                                     static_cast<unsigned char>(text[*bad])));
    return;
  }
  YAML::Node root;
  try {  // yaml-cpp reports syntax errors by throwing; they stop here
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    // yaml-cpp quotes one byte of a character it cannot escape ("unknown escape character: \xC3").
    problems.Add(Where(file, error.mark) + common::ReplaceInvalidUtf8(error.msg));
    return;
  }
  if (root.IsNull()) return;  // an empty file
  WalkYaml(root, "", file, config, problems);
}

absl::Status ApplyFile(const std::string& file, HostConfig& config, Problems& problems) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError("configuration file '" + file + "' cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  ApplyText(file, text.str(), config, problems);
  return absl::OkStatus();
}

void Validate(const HostConfig& config, Problems& problems) {
  sdk::LogLevel level;
  if (!common::ParseLogLevel(config.log_level, &level)) {
    problems.Add("log_level: expected debug, info, warning or error, got '" + config.log_level +
                 "'");
  }
  size_t colon = config.listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == config.listen.size()) {
    problems.Add("listen: expected HOST:PORT (such as 127.0.0.1:50051), got '" + config.listen +
                 "'");
  }
  if (config.http_server.enabled()) {
    size_t http_colon = config.http_server.listen.rfind(':');
    if (http_colon == std::string::npos || http_colon == 0 ||
        http_colon + 1 == config.http_server.listen.size()) {
      problems.Add("http_server.listen: expected HOST:PORT (such as 127.0.0.1:8080), got '" +
                   config.http_server.listen + "'");
    }
  }
  if (config.http_server.request_timeout < absl::Seconds(1) ||
      config.http_server.io_timeout < absl::Seconds(1)) {
    problems.Add("http_server: request_timeout and io_timeout must be at least 1s");
  }
  if (config.metrics != "on" && config.metrics != "off") {
    problems.Add("metrics: expected on or off, got '" + config.metrics + "'");
  }
  if (config.workflows_dir.empty()) problems.Add("workflows_dir: must not be empty");
  for (const std::string& plugin : config.plugins) {
    if (plugin.empty()) problems.Add("plugins: an entry is empty (name a plugin library's file)");
  }
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    problems.Add("tls: cert_file and key_file must be set together");
  }
  const HttpServerTlsConfig& http_tls = config.http_server.tls;
  if (http_tls.cert_file.empty() != http_tls.key_file.empty()) {
    problems.Add("http_server.tls: cert_file and key_file must be set together");
  }
  if (!http_tls.client_ca_file.empty() && http_tls.cert_file.empty()) {
    problems.Add(
        "http_server.tls.client_ca_file: needs http_server.tls.cert_file and key_file "
        "(mutual TLS is TLS)");
  }
  if (http_tls.enabled() && !config.http_server.enabled()) {
    problems.Add("http_server.tls: set, but there is no HTTP listener (http_server.listen)");
  }
  for (std::string& problem : CredentialConfigProblems(config.credentials)) {
    problems.Add(std::move(problem));
  }
  if (!config.http.ca_file.empty() && !std::ifstream(config.http.ca_file).good()) {
    problems.Add("http.ca_file: cannot read '" + config.http.ca_file + "'");
  }
  for (std::string& problem : StoreConfigProblems(config.store)) problems.Add(std::move(problem));
  // $env must never expose a credential: the variables the credentials and the callers' tokens
  // are read from may not be allowlisted (a workflow could put their value in an output or a
  // request).
  for (const std::string& name : config.env_allowlist) {
    for (const auto& [credential, entry] : config.credentials) {
      if (!entry.from_env.empty() && name == entry.from_env) {
        problems.Add("env_allowlist: '" + name + "' holds the secret of credential '" + credential +
                     "' (credentials." + credential +
                     ".from_env); workflows must not read a credential through $env. Remove it "
                     "from env_allowlist");
      }
    }
    if (!config.auth.tokens_env.empty() && name == config.auth.tokens_env) {
      problems.Add("env_allowlist: '" + name +
                   "' holds the callers' bearer tokens (auth.tokens_env); workflows must not "
                   "read a credential through $env. Remove it from env_allowlist");
    }
  }
  if (config.http.max_retry_after < absl::Seconds(1)) {
    problems.Add("http.max_retry_after: must be at least 1s, got " +
                 absl::FormatDuration(config.http.max_retry_after));
  }
}

}  // namespace

GetEnvFunction ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<HostConfig> LoadHostConfig(const ConfigSources& sources) {
  HostConfig config;
  Problems problems;
  auto getenv = [&sources](const std::string& name) -> std::optional<std::string> {
    if (!sources.getenv) return std::nullopt;
    std::optional<std::string> value = sources.getenv(name);
    if (value.has_value() && value->empty()) return std::nullopt;  // set but empty: as if unset
    return value;
  };

  std::string file = sources.file;
  if (sources.file_text.has_value()) {
    ApplyText(file.empty() ? "<config>" : file, *sources.file_text, config, problems);
  } else {
    if (file.empty()) file = getenv("FLOWHOST_CONFIG").value_or("");
    if (!file.empty()) {
      absl::Status status = ApplyFile(file, config, problems);
      if (!status.ok()) return status;
    }
  }

  for (const Setting& setting : AllSettings()) {
    if (setting.env.empty()) continue;
    std::optional<std::string> value = getenv(std::string(setting.env));
    if (!value.has_value()) continue;
    absl::Status status = ApplySettingText(setting, *value, config);
    if (!status.ok()) {
      problems.Add("environment variable " + std::string(setting.env) + ": " +
                   std::string(status.message()));
    }
  }

  std::vector<std::string> flag_names;
  for (const Setting& setting : AllSettings()) {
    if (!setting.flag.empty()) flag_names.emplace_back(setting.flag);
  }
  std::set<const Setting*> repeated_flags_seen;
  for (const auto& [name, value] : sources.flags) {
    const Setting* setting = FindSettingByFlag(name);
    if (setting == nullptr) {
      std::string message = "unknown flag --" + name;
      std::string closest = sdk::ClosestMatch(name, flag_names);
      if (!closest.empty()) message += " (did you mean --" + closest + "?)";
      problems.Add(std::move(message));
      continue;
    }
    absl::Status status;
    if (setting->repeated_flag) {
      // The first flag replaces what the file and the environment said; the next ones add to it.
      if (repeated_flags_seen.insert(setting).second) {
        status = ApplySettingList(*setting, {}, config);
      }
      if (status.ok()) status = AppendSettingValue(*setting, value, config);
    } else {
      status = ApplySettingText(*setting, value, config);
    }
    if (!status.ok()) problems.Add("flag --" + name + ": " + std::string(status.message()));
  }

  if (config.store.data_dir.empty()) config.store.data_dir = DefaultDataDir(getenv);
  if (problems.empty()) Validate(config, problems);
  if (!problems.empty()) return problems.ToStatus();
  return config;
}

absl::StatusOr<std::vector<std::string>> ExtractConfigFlags(const std::vector<std::string>& args,
                                                            ConfigSources& sources) {
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      rest.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    bool is_config = name == "config";
    if (!is_config && FindSettingByFlag(name) == nullptr) {
      rest.push_back(arg);
      continue;
    }
    if (!value.has_value()) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError("flag --" + name + " needs a value");
      value = args[++i];
    }
    if (is_config) {
      sources.file = *value;
    } else {
      sources.flags.emplace_back(name, *value);
    }
  }
  return rest;
}

}  // namespace flowhost::config
