#include "server/plugins/plugin_exec.h"

#include <utility>

namespace flowhost::plugins {
namespace {

// The execution `execute` is running on this thread (InlineExecScope), or none.
struct InlineExec {
  fh_exec token = 0;
  PluginExec* exec = nullptr;
};
thread_local InlineExec inline_exec;

}  // namespace

InlineExecScope::InlineExecScope(fh_exec token, PluginExec* exec)
    : previous_token_(inline_exec.token), previous_exec_(inline_exec.exec) {
  inline_exec = {token, exec};
}

InlineExecScope::~InlineExecScope() { inline_exec = {previous_token_, previous_exec_}; }

PluginExecTable& PluginExecTable::Get() {
  static PluginExecTable* table = new PluginExecTable();  // never destroyed: plugins outlive main
  return *table;
}

fh_exec PluginExecTable::Insert(std::shared_ptr<PluginExec> exec) {
  fh_exec token = next_token_.fetch_add(1, std::memory_order_relaxed);
  Shard& shard = ShardOf(token);
  std::lock_guard<std::mutex> lock(shard.mu);
  shard.execs.emplace(token, std::move(exec));
  return token;
}

PluginExecRef PluginExecTable::Find(fh_exec token) {
  if (token != 0 && token == inline_exec.token) {
    PluginExec* exec = inline_exec.exec;
    return exec->finished.load(std::memory_order_acquire) ? PluginExecRef() : PluginExecRef(exec);
  }
  Shard& shard = ShardOf(token);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.execs.find(token);
  return it == shard.execs.end() ? PluginExecRef() : PluginExecRef(it->second);
}

std::shared_ptr<PluginExec> PluginExecTable::Take(fh_exec token) {
  Shard& shard = ShardOf(token);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.execs.find(token);
  if (it == shard.execs.end()) return nullptr;
  std::shared_ptr<PluginExec> exec = std::move(it->second);
  shard.execs.erase(it);
  exec->finished.store(true, std::memory_order_seq_cst);  // see PluginExec::cancel_callbacks_added
  return exec;
}

}  // namespace flowhost::plugins
