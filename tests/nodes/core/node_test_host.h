// A minimal stand-in for the host, for testing core nodes on their own, through the SDK only: a
// NodeConfig that collects Create's errors, and a NodeContext whose parameters are computed per
// item by the test (then defaulted and checked against the type's schema, as the host does), with a
// manual scheduler, a cancellation source the test controls, and a scripted RunWorkflow.
//
// Thread-safety: single-threaded, like the ManualScheduler it uses.
#ifndef FLOWHOST_TESTS_NODES_CORE_NODE_TEST_HOST_H_
#define FLOWHOST_TESTS_NODES_CORE_NODE_TEST_HOST_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/registry.h"
#include "server/common/clocks.h"
#include "server/common/manual_scheduler.h"

namespace flowhost::nodes::core::testing {

using sdk::Items;
using sdk::Json;

// Parameters for item `index` of input 0 (as if every expression had been evaluated).
using ParamsFn = std::function<Json(size_t index)>;

class NodeTestHost {
 public:
  NodeTestHost();

  // Adds a node type besides the core ones (for nodes written in tests).
  void AddType(std::shared_ptr<const sdk::NodeType> type);

  // The registered type called `type`.
  const sdk::NodeType& Type(std::string_view type) const;

  // Builds a node from static `params` (schema defaults applied first). Parameters whose JSON
  // pointer is in `dynamic` count as expressions. Problems reported through NodeConfig::Error land
  // in `errors` as "POINTER: MESSAGE"; warnings in `warnings`.
  std::unique_ptr<sdk::Node> Create(std::string_view type, const Json& params,
                                    std::set<std::string> dynamic = {});

  // Creates and runs a node with static params on `inputs`; runs the scheduler until idle.
  // nullopt when the node has not completed.
  std::optional<absl::StatusOr<sdk::NodeResult>> Run(std::string_view type, const Json& params,
                                                     std::vector<Items> inputs);
  // The same with parameters computed per item.
  std::optional<absl::StatusOr<sdk::NodeResult>> RunPerItem(std::string_view type,
                                                            const Json& static_params,
                                                            ParamsFn params,
                                                            std::vector<Items> inputs);

  // Starts a node and returns without running the scheduler; `result` is filled when it completes.
  // A non-OK `cancelled_first` cancels the node's token before Execute is called.
  struct Running;
  std::shared_ptr<Running> Start(std::string_view type, const Json& params,
                                 std::vector<Items> inputs,
                                 absl::Status cancelled_first = absl::OkStatus());

  // What RunWorkflow does: by default, NOT_FOUND.
  std::function<void(std::string_view workflow, Json inputs,
                     absl::AnyInvocable<void(absl::StatusOr<Items>)> done)>
      run_workflow;

  // The HTTP client nodes get (by default, one that fails every request) and the credentials.
  sdk::HttpClient* http = nullptr;
  std::map<std::string, sdk::Credential, std::less<>> credentials;
  // Every upstream call nodes reported.
  std::vector<sdk::AttemptRecord> calls;

  // The item budget of ReserveItemBytes: unbounded unless set; what nodes reserved, and how often.
  std::optional<size_t> item_bytes_limit;
  size_t item_bytes_reserved = 0;
  int reservations = 0;

  // Durable waits: the timer NodeContext::durable_timer reports (InfinitePast: none), whether
  // ParkUntil accepts, and the wake-up times it was offered.
  absl::Time durable_timer = absl::InfinitePast();
  bool accept_park = false;
  std::vector<absl::Time> parks;

  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  common::ManualClock clock;
  common::ManualScheduler scheduler{&clock};

 private:
  class Registry;
  std::shared_ptr<Registry> registry_;
};

class FakeNodeContext;

struct NodeTestHost::Running {
  Running();
  ~Running();
  std::unique_ptr<sdk::Node> node;
  std::unique_ptr<FakeNodeContext> context;
  std::optional<absl::StatusOr<sdk::NodeResult>> result;
  int completions = 0;
  // Cancels the node's token with `reason`.
  void Cancel(absl::Status reason);
};

// The items on output `port` of a successful result (empty when absent).
Items OutputOf(const absl::StatusOr<sdk::NodeResult>& result, size_t port = 0);

}  // namespace flowhost::nodes::core::testing

#endif  // FLOWHOST_TESTS_NODES_CORE_NODE_TEST_HOST_H_
