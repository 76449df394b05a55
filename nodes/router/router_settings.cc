#include "nodes/router/router_settings.h"

namespace flowhost::nodes::router {

const std::set<std::string, std::less<>>& DefaultEscalateOn() {
  static const auto* classes = new std::set<std::string, std::less<>>{
      "rate_limited", "upstream",       "timeout",    "network",
      "malformed_response", "context_length", "unavailable"};
  return *classes;
}

const std::set<std::string, std::less<>>& DefaultCooldownOn() {
  static const auto* classes = new std::set<std::string, std::less<>>{
      "rate_limited", "upstream", "timeout", "network", "malformed_response", "unavailable"};
  return *classes;
}

}  // namespace flowhost::nodes::router
