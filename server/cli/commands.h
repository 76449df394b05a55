// The `flowhost` command line: one function per verb. Each takes the arguments after the verb and
// the streams to write to, and returns the process exit code, so tests can call verbs in-process as
// well as run the real binary.
//
// Exit codes: 0 success; 1 the execution failed (run), or an internal error; 2 invalid workflow,
// input, usage or configuration (a plugin that cannot be loaded is a configuration error).
#ifndef FLOWHOST_SERVER_CLI_COMMANDS_H_
#define FLOWHOST_SERVER_CLI_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

namespace flowhost::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitInvalid = 2;

using Args = std::vector<std::string>;

// True when the arguments ask for the verb's help (`--help` or `-h` anywhere): every verb then
// prints its usage and flags on stdout and exits 0, doing nothing else.
bool WantsHelp(const Args& args);

// flowhost validate FILE... [--plugin PATH]... [--config FILE]
int ValidateCommand(const Args& args, std::ostream& out, std::ostream& err);

// flowhost run FILE [--input JSON | --input @FILE] [--offline] [--workflows DIR] [--config FILE]
//                   [--record] [--stream] [--timeout DURATION]
int RunCommand(const Args& args, std::ostream& out, std::ostream& err);

// flowhost nodes [--json] [--plugin PATH]... [--config FILE]
int NodesCommand(const Args& args, std::ostream& out, std::ostream& err);

// flowhost plugin check FILE
int PluginCommand(const Args& args, std::ostream& out, std::ostream& err);

// flowhost serve [--offline] [--listen ADDR] [--workflows DIR] [--config FILE] [--SETTING VALUE]...
int ServeCommand(const Args& args, std::ostream& out, std::ostream& err);

// flowhost call WORKFLOW [--input JSON|@FILE] [--stream] [--target ADDR] [--timeout DURATION]
//                        [--token TOKEN]
int CallCommand(const Args& args, std::ostream& out, std::ostream& err);

// flowhost list [--target ADDR] [--timeout DURATION] [--token TOKEN] [--json]
int ListCommand(const Args& args, std::ostream& out, std::ostream& err);

// flowhost executions list|show ID|cancel ID [--json] [--target ADDR] [--token TOKEN] ...
int ExecutionsCommand(const Args& args, std::ostream& out, std::ostream& err);

// flowhost routes [--open] [--json] [--target ADDR] [--timeout DURATION] [--token TOKEN]
int RoutesCommand(const Args& args, std::ostream& out, std::ostream& err);

// flowhost workers [--type TYPE] [--json] [--target ADDR] [--timeout DURATION] [--token TOKEN]
int WorkersCommand(const Args& args, std::ostream& out, std::ostream& err);

// flowhost plan FILE [--catalogue FILE | --offline] [--prompt-tokens N] [--answer-tokens N]
//                    [--workflows DIR] [--json] [--config FILE]
int PlanCommand(const Args& args, std::ostream& out, std::ostream& err);
// flowhost version
int VersionCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_COMMANDS_H_
