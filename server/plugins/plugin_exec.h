// One execution of a plugin node as the host tracks it, and the table that turns the fh_exec tokens
// handed to plugins back into it. A token lives from PluginNode::Execute until the plugin's first
// completion; any host function given a token that is no longer (or never was) in the table does
// nothing, so a late or duplicate completion, or a call after completion, is harmless.
//
// Ownership: the table holds each PluginExec until its completion is taken; callers of Find hold
// their own reference for the length of one host function. The PluginExec keeps the node's `done`
// (and so, in the executor, the NodeContext it captures) alive until the last reference goes, even
// after `done` has been called, so a host function racing the completion never sees a destroyed
// context. Thread-safety: every method may be called from any thread.
#ifndef FLOWHOST_SERVER_PLUGINS_PLUGIN_EXEC_H_
#define FLOWHOST_SERVER_PLUGINS_PLUGIN_EXEC_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/container/flat_hash_map.h"
#include "flowhost/plugin_abi.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/node_context.h"

namespace flowhost::plugins {

struct PluginExec {
  PluginExec(sdk::NodeContext& context, sdk::NodeDone done, const std::string& type)
      : context(context), done(std::move(done)), node_type(type) {}

  sdk::NodeContext& context;
  sdk::NodeDone done;  // called in place by the completion, destroyed with the PluginExec
  const std::string& node_type;  // the PluginNodeType's, which outlives its executions

  // What exec_inputs returns: built before `execute` is called (every plugin asks at once), kept
  // until the end.
  std::string inputs_json;
  // What exec_info returns, built on first request and kept until the end.
  absl::once_flag info_once;
  std::string info_json;

  // Set once the completion is taken (PluginExecTable::Take): from then on the token is dead, on the
  // inline path (PluginExecRef) too, and no cancellation callback is added.
  std::atomic<bool> finished{false};
  // Set (under mu) before the first cancellation callback is added. The completion locks mu to
  // collect callbacks only when it is set, so most executions take no lock there. Both flags are
  // written and read sequentially consistent: a completion that sets `finished` and then reads this
  // false is ordered before any adder's read of `finished`, which then adds nothing.
  std::atomic<bool> cancel_callbacks_added{false};

  // The cancellation callbacks the plugin registered and has not removed. A std::mutex: absl's
  // does deadlock bookkeeping on every lock and on destruction, per execution.
  std::mutex mu;
  std::vector<sdk::CancellationToken::CallbackId> cancel_callbacks;  // guarded by mu
};

// A live execution for the length of one host function: the one `execute` is running on this
// thread (found without the table's lock; PluginNode::Execute holds a reference while `execute`
// runs), or a counted reference from the table. Empty when the token is dead or unknown.
class PluginExecRef {
 public:
  PluginExecRef() = default;
  explicit PluginExecRef(PluginExec* running_inline) : exec_(running_inline) {}
  explicit PluginExecRef(std::shared_ptr<PluginExec> held)
      : exec_(held.get()), held_(std::move(held)) {}

  PluginExec* operator->() const { return exec_; }
  bool operator==(std::nullptr_t) const { return exec_ == nullptr; }
  explicit operator bool() const { return exec_ != nullptr; }

 private:
  PluginExec* exec_ = nullptr;
  std::shared_ptr<PluginExec> held_;
};

// Marks `exec` (token `token`) as the execution `execute` runs on this thread for the scope's
// length; scopes nest (a node run inline by another's execute). The caller keeps `exec` alive.
class InlineExecScope {
 public:
  InlineExecScope(fh_exec token, PluginExec* exec);
  ~InlineExecScope();
  InlineExecScope(const InlineExecScope&) = delete;
  InlineExecScope& operator=(const InlineExecScope&) = delete;

 private:
  fh_exec previous_token_;
  PluginExec* previous_exec_;
};

class PluginExecTable {
 public:
  // The process's table.
  static PluginExecTable& Get();

  // Adds `exec` and returns its new token (never 0).
  fh_exec Insert(std::shared_ptr<PluginExec> exec);
  // The live execution of `token`, or an empty reference.
  PluginExecRef Find(fh_exec token);
  // Removes and returns the execution of `token`; nullptr when it is not live (the second caller of
  // a duplicate completion gets nullptr).
  std::shared_ptr<PluginExec> Take(fh_exec token);

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;  // held for one hash map operation; std::mutex for the reason above
    absl::flat_hash_map<fh_exec, std::shared_ptr<PluginExec>> execs;  // guarded by mu
  };
  Shard& ShardOf(fh_exec token) { return shards_[token % kShards]; }

  std::atomic<uint64_t> next_token_{1};
  std::array<Shard, kShards> shards_;
};

}  // namespace flowhost::plugins

#endif  // FLOWHOST_SERVER_PLUGINS_PLUGIN_EXEC_H_
