// The table of every host setting: its YAML key, environment variable, flag, default and meaning.
// The loader reads settings through it, `flowhost serve --help` prints it, and a test checks that
// docs/configuration.md documents each row, so code, help and documentation cannot drift apart.
//
// Thread-safety: the table is immutable.
#ifndef FLOWHOST_SERVER_CONFIG_CONFIG_SETTINGS_H_
#define FLOWHOST_SERVER_CONFIG_CONFIG_SETTINGS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "server/config/host_config.h"

namespace flowhost::config {

// Where a setting's value lives in a HostConfig.
using SettingField =
    std::variant<std::string*, int64_t*, absl::Duration*, std::vector<std::string>*>;

struct Setting {
  std::string_view key;           // dotted YAML path, e.g. "limits.max_executions_in_flight"
  std::string_view env;           // environment variable; empty when there is none
  std::string_view flag;          // command-line flag without "--"; empty when there is none
  std::string_view default_text;  // the default, as documented
  std::string_view description;
  SettingField (*field)(HostConfig& config);
  int64_t min = 0;  // smallest accepted value for integers
  // Lists: what separates the values in the environment variable (and, unless the flag repeats, in
  // the flag).
  char list_separator = ',';
  // Lists: each flag gives one value, and the flags together replace the list (`--plugin A
  // --plugin B`).
  bool repeated_flag = false;
};

// Every setting, in documentation order.
std::span<const Setting> AllSettings();

// The setting with YAML key / flag `name`, or nullptr.
const Setting* FindSettingByKey(std::string_view key);
const Setting* FindSettingByFlag(std::string_view flag);

// Sets `setting` in `config` from `text` (for lists: separated by its list_separator).
// INVALID_ARGUMENT with a message that does not name the source (the caller prefixes it).
absl::Status ApplySettingText(const Setting& setting, std::string_view text, HostConfig& config);

// Sets a list setting from separate values (a YAML sequence).
absl::Status ApplySettingList(const Setting& setting, std::vector<std::string> values,
                              HostConfig& config);

// Adds one value to a list setting (one of its repeated flags).
absl::Status AppendSettingValue(const Setting& setting, std::string_view text, HostConfig& config);

// "--help" text: one line per setting with its flag, environment variable and default.
std::string SettingsHelp();

}  // namespace flowhost::config

#endif  // FLOWHOST_SERVER_CONFIG_CONFIG_SETTINGS_H_
