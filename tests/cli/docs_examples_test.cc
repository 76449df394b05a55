// Every YAML example in README.md and docs/*.md, as a reader would copy it. A ```yaml block is a
// complete workflow unless its fence says otherwise, and a complete workflow must validate with no
// error or warning and run through the real binary offline (`flowhost run --offline`: the bundled
// fake OpenRouter), exactly as written. Every model id any block names must be one the bundled
// catalogue (or the fake's built-in fake/* ids) serves, so the examples also work offline.
//
// The marker convention, in the fence's info string after `yaml`:
//   ```yaml fragment   part of a workflow (a node, a field, several alternatives): checked to be
//                      YAML and for model ids only
//   ```yaml config     a host configuration file (docs/configuration.md): idem
// Any other word after `yaml` fails the test, so a typo cannot silently skip an example.
// Required inputs are given a value of their declared type ("What is a monad?" for a string).
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/cli/run_binary.h"
#include "tests/source_dir.h"
#include "yaml-cpp/yaml.h"

namespace flowhost::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;
namespace fs = std::filesystem;

struct Example {
  std::string where;   // "docs/workflows.md:9" (the fence's line)
  std::string marker;  // "", "fragment" or "config"
  std::string text;
};

std::vector<std::string> DocumentFiles() {
  std::vector<std::string> files = {"README.md"};
  for (const auto& entry : fs::directory_iterator(fs::path(FLOWHOST_SOURCE_DIR) / "docs")) {
    if (entry.path().extension() == ".md")
      files.push_back("docs/" + entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The ```yaml blocks of `file` (relative to the source directory).
std::vector<Example> YamlExamples(const std::string& file) {
  std::ifstream in(fs::path(FLOWHOST_SOURCE_DIR) / file);
  std::vector<Example> examples;
  std::string line;
  int number = 0;
  bool in_block = false, is_yaml = false;
  Example current;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("```", 0) == 0) {
      if (!in_block) {
        std::istringstream info(line.substr(3));
        std::string language, marker;
        info >> language >> marker;
        in_block = true;
        is_yaml = language == "yaml" || language == "yml";
        current = {file + ":" + std::to_string(number), marker, ""};
      } else {
        in_block = false;
        if (is_yaml) examples.push_back(current);
      }
      continue;
    }
    if (in_block) current.text += line + "\n";
  }
  return examples;
}

std::vector<Example> AllExamples() {
  std::vector<Example> all;
  for (const std::string& file : DocumentFiles()) {
    for (Example& example : YamlExamples(file)) all.push_back(std::move(example));
  }
  return all;
}

// The ids the bundled catalogue serves.
std::set<std::string> CatalogueIds() {
  std::ifstream file(fs::path(FLOWHOST_SOURCE_DIR) /
                     "tests/fake_openrouter/data/openrouter-models.json");
  std::set<std::string> ids;
  const Json catalogue = Json::parse(file);  // named: a temporary's subobject would dangle
  for (const Json& model : catalogue["data"]) ids.insert(model["id"].get<std::string>());
  return ids;
}

// A value of the declared type for each required input without a default.
Json InputsFor(const YAML::Node& workflow) {
  Json input = Json::object();
  for (const auto& entry : workflow["inputs"]) {
    const YAML::Node& spec = entry.second;
    if (!spec.IsMap() || !spec["required"] || !spec["required"].as<bool>() || spec["default"]) {
      continue;
    }
    std::string type = spec["type"] ? spec["type"].as<std::string>() : "string";
    Json value = "What is a monad?";
    if (type == "number" || type == "integer") value = 1;
    if (type == "boolean") value = true;
    if (type == "array") value = Json::array();
    if (type == "object") value = Json::object();
    input[entry.first.as<std::string>()] = value;
  }
  return input;
}

TEST(DocsExamplesTest, TheDocumentsHaveYamlExamplesAndEveryMarkerIsKnown) {
  std::vector<Example> examples = AllExamples();
  EXPECT_GT(examples.size(), 20u);
  int complete = 0;
  for (const Example& example : examples) {
    EXPECT_TRUE(example.marker.empty() || example.marker == "fragment" ||
                example.marker == "config")
        << example.where << ": unknown marker '" << example.marker
        << "' (use ```yaml, ```yaml fragment or ```yaml config)";
    if (example.marker.empty()) ++complete;
  }
  EXPECT_GE(complete, 2) << "the README's and docs/workflows.md's first workflows run as written";
}

TEST(DocsExamplesTest, EveryExampleIsYaml) {
  for (const Example& example : AllExamples()) {
    // A fragment may list alternatives of one key (`next: a` then `next: [a, b]`); duplicate keys
    // are YAML that yaml-cpp reads, so parsing is the check.
    try {
      YAML::Load(example.text);
    } catch (const YAML::Exception& error) {
      ADD_FAILURE() << example.where << ": not YAML: " << error.what();
    }
  }
}

TEST(DocsExamplesTest, EveryModelIdInTheDocsIsServedByTheBundledCatalogue) {
  const std::set<std::string> ids = CatalogueIds();
  const std::regex model(R"re(\bmodel:\s*"?([A-Za-z0-9_.:/-]+)"?)re");
  int seen = 0;
  for (const Example& example : AllExamples()) {
    for (auto it = std::sregex_iterator(example.text.begin(), example.text.end(), model);
         it != std::sregex_iterator(); ++it) {
      std::string id = (*it)[1];
      if (id.rfind("{{", 0) == 0) continue;  // an expression
      ++seen;
      EXPECT_TRUE(ids.contains(id) || id.rfind("fake/", 0) == 0)
          << example.where << ": model '" << id
          << "' is not in tests/fake_openrouter/data/openrouter-models.json";
    }
  }
  EXPECT_GE(seen, 4);
}

TEST(DocsExamplesTest, EveryCompleteWorkflowExampleValidatesCleanlyAndRunsOfflineAsWritten) {
  fs::path dir = fs::path(::testing::TempDir()) / ("flowhost_docs_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  int index = 0;
  for (const Example& example : AllExamples()) {
    if (!example.marker.empty()) continue;
    SCOPED_TRACE(example.where);
    YAML::Node workflow = YAML::Load(example.text);
    ASSERT_TRUE(workflow.IsMap() && workflow["name"] && workflow["nodes"])
        << example.where << ": not a complete workflow (name:, nodes:); mark a partial example "
        << "```yaml fragment";
    fs::path file = dir / ("example-" + std::to_string(++index) + ".yaml");
    std::ofstream(file) << example.text;

    BinaryResult checked = RunBinary({FlowhostBinary(), "validate", file.string()});
    EXPECT_EQ(checked.exit_code, 0) << example.where << "\n" << checked.err;
    EXPECT_THAT(checked.err, Not(HasSubstr("warning:"))) << example.where;

    const std::string input = InputsFor(workflow).dump();
    BinaryResult ran = RunBinary(
        {FlowhostBinary(), "run", file.string(), "--offline", "--input", input},
        {{"OPENROUTER_API_KEY", ""}, {"FLOWHOST_FAKE_OPENROUTER", FakeOpenRouterBinary()}});
    EXPECT_EQ(ran.exit_code, 0) << example.where << " with input " << input << "\n" << ran.err;
    Json items = Json::parse(ran.out, nullptr, false);
    ASSERT_TRUE(items.is_array()) << example.where << ": " << ran.out;
    EXPECT_FALSE(items.empty()) << example.where;
    // Every field a `set` node of the example shapes has a value: a null is a field read that
    // produced nothing (the `$json.text` of a node whose output field is `content`).
    std::set<std::string> shaped;
    for (const auto& node : workflow["nodes"]) {
      if (node["type"] && node["type"].as<std::string>() == "set" && node["params"] &&
          node["params"]["values"]) {
        for (const auto& value : node["params"]["values"])
          shaped.insert(value.first.as<std::string>());
      }
    }
    for (const Json& item : items) {
      for (const std::string& key : shaped) {
        if (item.contains(key)) {
          EXPECT_FALSE(item[key].is_null())
              << example.where << ": output field '" << key << "' is null";
        }
      }
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace flowhost::testing
