// TestScope: an EvalScope over plain values, for tests of anything that evaluates expressions.
//
// Build one with the With* setters (each returns *this), then evaluate against it. It owns all its
// values. Like any EvalScope it is read by one evaluation at a time; several threads may read one
// TestScope concurrently as long as nobody modifies it.
#ifndef FLOWHOST_TESTS_EXPR_TEST_SCOPE_H_
#define FLOWHOST_TESTS_EXPR_TEST_SCOPE_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "absl/time/time.h"
#include "server/expr/eval_scope.h"

namespace flowhost::expr {

class TestScope final : public EvalScope {
 public:
  TestScope& WithJson(Json json) {
    json_ = std::move(json);
    return *this;
  }
  TestScope& WithItemIndex(size_t index) {
    item_index_ = index;
    return *this;
  }
  TestScope& WithInputs(Json inputs) {
    inputs_ = std::move(inputs);
    return *this;
  }
  TestScope& WithVars(Json vars) {
    vars_ = std::move(vars);
    return *this;
  }
  TestScope& WithExecution(Json execution) {
    execution_ = std::move(execution);
    return *this;
  }
  // `$budget`: the execution's cost budget (null: none).
  TestScope& WithBudget(Json budget) {
    budget_ = std::move(budget);
    return *this;
  }
  // An allowlisted environment variable.
  TestScope& WithEnv(std::string name, std::string value) {
    env_[std::move(name)] = Json(std::move(value));
    return *this;
  }
  // The output of an upstream node that has run.
  TestScope& WithNode(std::string name, Items items) {
    nodes_[std::move(name)] = std::move(items);
    return *this;
  }
  TestScope& WithInputItems(Items items) {
    input_items_ = std::move(items);
    return *this;
  }
  TestScope& WithNow(absl::Time now) {
    now_ = now;
    return *this;
  }

  const Json& json() const override { return json_; }
  size_t item_index() const override { return item_index_; }
  const Json& inputs() const override { return inputs_; }
  const Json& vars() const override { return vars_; }
  const Json& execution() const override { return execution_; }
  Json budget() const override { return budget_; }
  const Json* env(std::string_view name) const override {
    auto it = env_.find(name);
    return it == env_.end() ? nullptr : &it->second;
  }
  const Items* node_output(std::string_view name) const override {
    auto it = nodes_.find(name);
    return it == nodes_.end() ? nullptr : &it->second;
  }
  const Items& input_items() const override { return input_items_; }
  absl::Time now() const override { return now_; }

 private:
  Json json_ = Json::object();
  size_t item_index_ = 0;
  Json inputs_ = Json::object();
  Json vars_ = Json::object();
  Json execution_ = Json::object();
  Json budget_ = nullptr;
  std::map<std::string, Json, std::less<>> env_;
  std::map<std::string, Items, std::less<>> nodes_;
  Items input_items_;
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);  // 2023-11-14T22:13:20Z
};

}  // namespace flowhost::expr

#endif  // FLOWHOST_TESTS_EXPR_TEST_SCOPE_H_
