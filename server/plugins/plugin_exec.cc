#include "server/plugins/plugin_exec.h"

#include <utility>

namespace flowhost::plugins {

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

std::shared_ptr<PluginExec> PluginExecTable::Find(fh_exec token) {
  Shard& shard = ShardOf(token);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.execs.find(token);
  return it == shard.execs.end() ? nullptr : it->second;
}

std::shared_ptr<PluginExec> PluginExecTable::Take(fh_exec token) {
  Shard& shard = ShardOf(token);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.execs.find(token);
  if (it == shard.execs.end()) return nullptr;
  std::shared_ptr<PluginExec> exec = std::move(it->second);
  shard.execs.erase(it);
  return exec;
}

}  // namespace flowhost::plugins
