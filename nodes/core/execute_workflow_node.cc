// `execute_workflow`: runs another loaded workflow by name, as a child of this execution (sharing
// its cancellation, bounded by the host's sub-workflow depth limit), with inputs built from an
// expression.
//
//   once      one run, its inputs evaluated for the first item; the child's output items are the
//             node's output
//   per_item  one run per input item (at most `concurrency` at a time), inputs evaluated for that
//   item;
//             the outputs are concatenated in item order. The first failure fails the node.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_bytes.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/output_schema.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/node_support.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {
namespace {

// The runs of one execution of the node. Child runs complete on any thread. `context` stays valid
// until `done` is called, so `done` is only called when no thread is between deciding to start a
// run and having started it (`launchers_` == 0); a run that fails meanwhile leaves its result in
// `final_`.
class SubWorkflowRuns : public std::enable_shared_from_this<SubWorkflowRuns> {
 public:
  SubWorkflowRuns(sdk::NodeContext& context, sdk::NodeDone done, size_t runs, size_t concurrency)
      : context_(context),
        done_(std::move(done)),
        runs_(runs),
        results_(runs),
        concurrency_(concurrency) {}

  // Starts the first runs. Called once, from Execute.
  void Start() {
    {
      absl::MutexLock lock(&mu_);
      ++launchers_;
    }
    LaunchMore();
  }

 private:
  // Starts runs while the window allows; the caller has registered itself in `launchers_`.
  void LaunchMore() {
    for (;;) {
      size_t index;
      {
        absl::MutexLock lock(&mu_);
        if (final_.has_value() || next_ >= results_.size() || in_flight_ >= concurrency_) break;
        index = next_++;
        ++in_flight_;
      }
      Launch(index);
    }
    std::optional<absl::StatusOr<sdk::NodeResult>> result;
    {
      absl::MutexLock lock(&mu_);
      --launchers_;
      result = TakeFinalLocked();
    }
    if (result.has_value()) std::move(done_)(*std::move(result));
  }

  void Launch(size_t index) {
    absl::StatusOr<Json> params = ParamsForItem(context_, index);
    std::string workflow = params.ok() ? StringField(*params, "workflow") : "";
    if (!params.ok()) return Finished(index, params.status());
    Json inputs = Json::object();
    if (auto it = params->find("inputs"); it != params->end()) inputs = *it;
    auto self = shared_from_this();
    context_.RunWorkflow(
        workflow, std::move(inputs), [self, index, workflow](absl::StatusOr<Items> items) {
          if (!items.ok()) {
            // Errors about the child (its inputs, "no workflow named") may already name it.
            std::string prefix = absl::StrCat("workflow '", workflow, "'");
            absl::Status status = absl::StartsWith(items.status().message(), prefix)
                                      ? items.status()
                                      : sdk::Annotate(items.status(), prefix);
            items = ItemError(status, index, self->runs_);
          }
          self->Finished(index, std::move(items));
        });
  }

  void Finished(size_t index, absl::StatusOr<Items> items) {
    std::optional<absl::StatusOr<sdk::NodeResult>> result;
    bool launch_more = false;
    size_t bytes = items.ok() ? sdk::ItemsBytes(*items) : 0;
    {
      absl::MutexLock lock(&mu_);
      --in_flight_;
      if (final_.has_value() || delivered_) return;
      // The children's outputs gather here until the node returns: many runs of a child that makes
      // large items must stop at the item budget, not after the last run.
      if (items.ok()) {
        if (absl::Status reserved = context_.ReserveItemBytes(bytes); !reserved.ok()) {
          items = ItemError(reserved, index, runs_);
        }
      }
      if (!items.ok()) {
        final_ = items.status();  // already names its item (ParamsForItem, Launch)
      } else {
        results_[index] = *std::move(items);
        if (++completed_ == results_.size()) final_ = Concatenate();
      }
      result = TakeFinalLocked();
      if (!final_.has_value() && next_ < results_.size()) {
        ++launchers_;
        launch_more = true;
      }
    }
    if (result.has_value()) return std::move(done_)(*std::move(result));
    if (launch_more) LaunchMore();
  }

  sdk::NodeResult Concatenate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Items out;
    for (Items& items : results_) {
      std::move(items.begin(), items.end(), std::back_inserter(out));
    }
    return SingleOutput(std::move(out));
  }

  // The final result, once, when nobody is launching.
  std::optional<absl::StatusOr<sdk::NodeResult>> TakeFinalLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!final_.has_value() || launchers_ > 0 || delivered_) return std::nullopt;
    delivered_ = true;
    return std::move(final_);
  }

  sdk::NodeContext& context_;
  sdk::NodeDone done_;
  const size_t runs_;
  absl::Mutex mu_;
  std::vector<Items> results_ ABSL_GUARDED_BY(mu_);
  const size_t concurrency_;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  size_t completed_ ABSL_GUARDED_BY(mu_) = 0;
  int launchers_ ABSL_GUARDED_BY(mu_) = 0;
  bool delivered_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::StatusOr<sdk::NodeResult>> final_ ABSL_GUARDED_BY(mu_);
};

class ExecuteWorkflowNode : public sdk::Node {
 public:
  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    absl::StatusOr<Json> first = context.params().ForItem(0);
    if (!first.ok()) return done(first.status());
    bool per_item = StringField(*first, "mode", "per_item") == "per_item";
    size_t runs = per_item ? InputItems(context).size() : 1;
    if (runs == 0) return done(SingleOutput({}));
    size_t concurrency =
        static_cast<size_t>(std::max<int64_t>(1, IntField(*first, "concurrency", 8)));
    std::make_shared<SubWorkflowRuns>(context, std::move(done), runs, concurrency)->Start();
  }
};

std::unique_ptr<sdk::Node> CreateExecuteWorkflowNode(sdk::NodeConfig& config) {
  if (config.IsDynamic("/mode")) {
    config.Error("/mode", "mode must be written out, not computed");
    return nullptr;
  }
  return std::make_unique<ExecuteWorkflowNode>();
}

}  // namespace

std::shared_ptr<const sdk::NodeType> ExecuteWorkflowNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "execute_workflow";
  info.description =
      "Runs another loaded workflow by name with inputs built from expressions, once or once per "
      "item, and outputs its output items.";
  info.parameter_schema = SchemaFromText(R"({
    "type": "object",
    "properties": {
      "workflow": {
        "type": "string",
        "minLength": 1,
        "description": "The name of the workflow to run (its `name`, as loaded by the host)."
      },
      "inputs": {
        "type": "object",
        "default": {},
        "description": "The child workflow's inputs; values may be expressions, evaluated per item in per_item mode."
      },
      "mode": {
        "type": "string",
        "enum": ["once", "per_item"],
        "default": "per_item",
        "description": "once: one run, inputs evaluated for the first item. per_item: one run per input item; outputs concatenated in item order."
      },
      "concurrency": {
        "type": "integer",
        "minimum": 1,
        "maximum": 256,
        "default": 8,
        "description": "per_item: how many runs may be in flight at once."
      }
    },
    "required": ["workflow"],
    "additionalProperties": false
  })");
  info.inputs = {{"main", "The items to run the workflow for."}};
  info.outputs = {{"main", "The child workflow's output items."}};
  // Whatever the child workflow outputs: not known from this node's own description.
  info.output_schema = sdk::OpenOutputSchema();
  return std::make_shared<SimpleNodeType>(std::move(info), CreateExecuteWorkflowNode);
}

}  // namespace flowhost::nodes::core
