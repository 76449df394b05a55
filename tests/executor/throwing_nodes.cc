#include "tests/executor/throwing_nodes.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "flowhost/sdk/node_context.h"

namespace flowhost::executor::testing {
namespace {

using sdk::Json;

[[noreturn]] void Throw(const std::string& what) {
  if (what == "json_type_error") {
    Json text = "not a number";
    (void)text.get<int>();  // throws nlohmann::json::type_error
  } else if (what == "json_out_of_range") {
    Json object = Json::object();
    (void)object.at("missing");  // throws nlohmann::json::out_of_range
  } else if (what == "non_std") {
    throw 42;
  }
  throw std::runtime_error("the test node threw on purpose");
}

class ThrowingNode : public sdk::Node {
 public:
  ThrowingNode(std::string in, std::string what) : in_(std::move(in)), what_(std::move(what)) {}

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    sdk::Items input = context.inputs().empty() ? sdk::Items() : context.inputs().front();
    auto passed_through = [input]() mutable {
      sdk::NodeResult result;
      result.outputs.push_back(std::move(input));
      return result;
    };
    if (in_ == "after_done") {
      done(passed_through());
    } else if (in_ == "after_async") {
      context.scheduler().Post(
          [done = std::move(done), passed_through]() mutable { done(passed_through()); });
    } else if (in_ == "callback") {
      std::string what = what_;
      context.scheduler().Post([done = std::move(done), what] { Throw(what); });
      return;
    }
    Throw(what_);
  }

 private:
  const std::string in_;
  const std::string what_;
};

class ThrowingNodeType : public sdk::NodeType {
 public:
  ThrowingNodeType() {
    info_.type = "test.throw";
    info_.description = "Throws C++ exceptions where a buggy node might (tests only).";
    Json where = {{"type", "string"},
                  {"enum", {"create", "execute", "after_done", "after_async", "callback"}},
                  {"default", "execute"},
                  {"description", "Where it throws."}};
    Json what = {{"type", "string"},
                 {"enum", {"runtime_error", "json_type_error", "json_out_of_range", "non_std"}},
                 {"default", "runtime_error"},
                 {"description", "What it throws."}};
    info_.parameter_schema = {{"type", "object"},
                              {"properties", {{"in", where}, {"what", what}}},
                              {"additionalProperties", false}};
  }
  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override {
    std::string in = config.params().value("in", "execute");
    std::string what = config.params().value("what", "runtime_error");
    if (in == "create") Throw(what);
    return std::make_unique<ThrowingNode>(std::move(in), std::move(what));
  }

 private:
  sdk::NodeTypeInfo info_;
};

}  // namespace

absl::Status RegisterThrowingNodes(sdk::NodeRegistry& registry) {
  return registry.Register(std::make_shared<ThrowingNodeType>());
}

}  // namespace flowhost::executor::testing
