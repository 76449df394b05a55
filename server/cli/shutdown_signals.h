// How `flowhost serve` stops: it waits for SIGTERM or SIGINT, then drains the service (health
// NOT_SERVING, no new executions, the grace period for those in flight). A second SIGTERM or
// SIGINT during the drain ends the grace period at once: the executions still in flight are
// cancelled (or, running in the background, released for the next server to resume) and the
// server stops, as an operator pressing Ctrl-C twice expects.
//
// Thread-safety: call from the main thread, with `signals` blocked in every thread (so that only
// this function receives them). The drain runs on a thread of its own ("fh-drain") while the main
// thread keeps listening for the second signal.
#ifndef FLOWHOST_SERVER_CLI_SHUTDOWN_SIGNALS_H_
#define FLOWHOST_SERVER_CLI_SHUTDOWN_SIGNALS_H_

#include <signal.h>

#include "flowhost/sdk/logger.h"
#include "server/service/service_host.h"

namespace flowhost::cli {

// Returns once `host` has been shut down.
void ServeUntilSignalled(service::ServiceHost& host, sdk::Logger& logger, const sigset_t& signals);

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_SHUTDOWN_SIGNALS_H_
