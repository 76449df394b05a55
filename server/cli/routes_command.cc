// flowhost routes: the route health a running `flowhost serve` keeps for its routers
// (ListRouteHealth): each route's circuit-breaker state, its recent calls and failures, and when an
// open route is tried again.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"
#include "server/cli/commands.h"
#include "server/cli/proto_time.h"
#include "server/cli/server_client.h"

namespace flowhost::cli {
namespace {

constexpr char kRoutesUsage[] =
    "usage: flowhost routes [--open] [--json] [--target ADDR] [--timeout DURATION] "
    "[--token TOKEN]\n";

constexpr char kRoutesHelp[] =
    "\n"
    "Lists the route health of a running flowhost server (ListRouteHealth): for every route its\n"
    "routers have called, the circuit breaker's state, the calls and failures counted over the\n"
    "failure window, and for an open route how long until it is tried again and what opened it.\n"
    "Routes are keyed by what they call (chat:<base url>|<model>, node:<workflow>/<node>), so\n"
    "workflows calling the same model share one. States: closed (called), open (skipped without a\n"
    "call), half_open (one probe call decides). With a PostgreSQL store the states are shared by\n"
    "the replicas: OPENED BY names the replica whose call opened a route, when it was not this "
    "one.\n"
    "\n"
    "  --open              only routes that are open or half-open\n"
    "  --json              one JSON array of {route, state, calls, failures, failure_rate,\n"
    "                      open_until, opened_by, opened_by_replica, retry_after,\n"
    "                      failed_probes, last_failure}\n"
    "  --target ADDR       the server (default 127.0.0.1:50051)\n"
    "  --timeout DURATION  give up after this long (default 10m)\n"
    "  --token TOKEN       sent as a bearer token (default: FLOWHOST_TOKEN)\n"
    "\n"
    "Exit codes: 0 listed, 1 the call failed.\n";

std::string StateWord(v1::RouteState state) {
  switch (state) {
    case v1::ROUTE_STATE_CLOSED:
      return "closed";
    case v1::ROUTE_STATE_OPEN:
      return "open";
    case v1::ROUTE_STATE_HALF_OPEN:
      return "half_open";
    default:
      return "unknown";
  }
}

sdk::Json TimeJson(const google::protobuf::Timestamp& t) {
  if (!HasTime(t)) return nullptr;
  return absl::FormatTime(absl::RFC3339_full, ToAbslTime(t), absl::UTCTimeZone());
}

sdk::Json RouteJson(const v1::RouteHealth& route) {
  return {{"route", route.route()},
          {"state", StateWord(route.state())},
          {"calls", route.calls()},
          {"failures", route.failures()},
          {"failure_rate", route.failure_rate()},
          {"open_until", TimeJson(route.open_until())},
          {"opened_by", route.opened_by()},
          {"opened_by_replica", route.opened_by_replica()},
          {"retry_after", route.retry_after()},
          {"failed_probes", route.failed_probes()},
          {"last_failure", TimeJson(route.last_failure_time())}};
}

// "12.4s (Retry-After)" for an open route, "probing" for a half-open one, "-" otherwise.
std::string OpenText(const v1::RouteHealth& route, absl::Time now) {
  if (route.state() == v1::ROUTE_STATE_HALF_OPEN) return "probing";
  if (route.state() != v1::ROUTE_STATE_OPEN || !HasTime(route.open_until())) return "-";
  double left = std::max(0.0, absl::ToDoubleSeconds(ToAbslTime(route.open_until()) - now));
  return absl::StrFormat("%.1fs%s", left, route.retry_after() ? " (Retry-After)" : "");
}

// "rate_limited", or "rate_limited (replica b-12)" when another replica opened it.
std::string OpenedByText(const v1::RouteHealth& route) {
  if (route.opened_by().empty()) return "-";
  if (route.opened_by_replica().empty()) return route.opened_by();
  return absl::StrCat(route.opened_by(), " (replica ", route.opened_by_replica(), ")");
}

}  // namespace

int RoutesCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kRoutesUsage << kRoutesHelp;
    return kExitOk;
  }
  ServerClientFlags flags = DefaultServerClientFlags();
  bool json = false, only_open = false;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<bool> taken = TakeServerClientFlag(args, i, flags);
    if (!taken.ok()) {
      err << "flowhost routes: " << taken.status().message() << "\n" << kRoutesUsage;
      return kExitInvalid;
    }
    if (*taken) continue;
    if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--open") {
      only_open = true;
    } else {
      err << "flowhost routes: unexpected argument '" << args[i] << "'\n" << kRoutesUsage;
      return kExitInvalid;
    }
  }

  auto stub = NewWorkflowStub(flags);
  grpc::ClientContext context;
  PrepareContext(flags, context);
  v1::ListRouteHealthResponse response;
  grpc::Status status = stub->ListRouteHealth(&context, v1::ListRouteHealthRequest(), &response);
  if (!status.ok()) return ReportFailedCall("routes", status, context, flags, err);
  const absl::Time now = absl::Now();

  std::vector<const v1::RouteHealth*> routes;
  for (const v1::RouteHealth& route : response.routes()) {
    if (!only_open || route.state() != v1::ROUTE_STATE_CLOSED) routes.push_back(&route);
  }
  if (json) {
    sdk::Json list = sdk::Json::array();
    for (const v1::RouteHealth* route : routes) list.push_back(RouteJson(*route));
    out << list.dump(2) << "\n";
    return kExitOk;
  }
  if (routes.empty()) {
    out << (only_open ? "no open route on " : "no route called yet on ") << flags.target << "\n";
    return kExitOk;
  }
  size_t width = 5;
  for (const v1::RouteHealth* route : routes) width = std::max(width, route->route().size());
  out << absl::StrFormat("%-*s  %-9s  %5s  %6s  %5s  %-18s  %s\n", width, "ROUTE", "STATE", "CALLS",
                         "FAILED", "RATE", "OPEN FOR", "OPENED BY");
  for (const v1::RouteHealth* route : routes) {
    out << absl::StrFormat("%-*s  %-9s  %5d  %6d  %4.0f%%  %-18s  %s\n", width, route->route(),
                           StateWord(route->state()), route->calls(), route->failures(),
                           route->failure_rate() * 100, OpenText(*route, now),
                           OpenedByText(*route));
  }
  return kExitOk;
}

}  // namespace flowhost::cli
