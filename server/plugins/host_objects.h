// The host's definitions of the objects plugin_abi.h keeps opaque: what a plugin's fh_registrar,
// fh_node_config and fh_http_call point to. fh_scheduler and fh_http are the host's sdk::Scheduler
// and sdk::HttpClient themselves, cast (AsScheduler, AsHttp).
//
// Ownership and threads: a registrar lives on InitPlugin's stack for one init call; a node config on
// PluginNodeType::Create's stack for one create call; an fh_http_call is the plugin's from
// http_send to http_release.
#ifndef FLOWHOST_SERVER_PLUGINS_HOST_OBJECTS_H_
#define FLOWHOST_SERVER_PLUGINS_HOST_OBJECTS_H_

#include <string>

#include "flowhost/plugin_abi.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/scheduler.h"
#include "server/registry/node_type_registry.h"

struct fh_registrar {
  flowhost::registry::NodeTypeRegistry* registry;
  const flowhost::registry::NodeOrigin* origin;
  std::string error;           // what registrar_error said last
  std::string refused_type;    // why the host refused the last register_node_type, if it did
};

struct fh_node_config {
  flowhost::sdk::NodeConfig* config;
  std::string params_json;
  bool reported_error = false;
};

struct fh_http_call {
  flowhost::sdk::HttpCallPtr call;
};

namespace flowhost::plugins {

inline fh_scheduler* ToHandle(sdk::Scheduler* scheduler) {
  return reinterpret_cast<fh_scheduler*>(scheduler);
}
inline sdk::Scheduler* AsScheduler(fh_scheduler* scheduler) {
  return reinterpret_cast<sdk::Scheduler*>(scheduler);
}
inline fh_http* ToHandle(sdk::HttpClient* http) { return reinterpret_cast<fh_http*>(http); }
inline sdk::HttpClient* AsHttp(fh_http* http) { return reinterpret_cast<sdk::HttpClient*>(http); }

}  // namespace flowhost::plugins

#endif  // FLOWHOST_SERVER_PLUGINS_HOST_OBJECTS_H_
