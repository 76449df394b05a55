#include "server/store/execution_model.h"

#include <array>
#include <utility>

namespace flowhost::store {
namespace {

template <typename Enum, size_t N>
std::optional<Enum> Parse(const std::array<std::pair<Enum, std::string_view>, N>& names,
                          std::string_view name) {
  for (const auto& [value, text] : names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

template <typename Enum, size_t N>
std::string_view Name(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [candidate, text] : names) {
    if (candidate == value) return text;
  }
  return "unknown";
}

constexpr std::array<std::pair<ExecutionStatus, std::string_view>, 6> kStatusNames = {{
    {ExecutionStatus::kQueued, "queued"},
    {ExecutionStatus::kRunning, "running"},
    {ExecutionStatus::kWaiting, "waiting"},
    {ExecutionStatus::kSucceeded, "succeeded"},
    {ExecutionStatus::kFailed, "failed"},
    {ExecutionStatus::kCancelled, "cancelled"},
}};

constexpr std::array<std::pair<SavePolicy, std::string_view>, 3> kSaveNames = {{
    {SavePolicy::kAll, "all"},
    {SavePolicy::kFailedOnly, "failed"},
    {SavePolicy::kNone, "none"},
}};

constexpr std::array<std::pair<RestartPolicy, std::string_view>, 2> kRestartNames = {{
    {RestartPolicy::kResume, "resume"},
    {RestartPolicy::kFail, "fail"},
}};

constexpr std::array<std::pair<NodeState, std::string_view>, 7> kNodeStateNames = {{
    {NodeState::kNotRun, "not_run"},
    {NodeState::kRunning, "running"},
    {NodeState::kSucceeded, "succeeded"},
    {NodeState::kFailed, "failed"},
    {NodeState::kSkipped, "skipped"},
    {NodeState::kDisabled, "disabled"},
    {NodeState::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view ExecutionStatusName(ExecutionStatus status) { return Name(kStatusNames, status); }
std::optional<ExecutionStatus> ParseExecutionStatus(std::string_view name) {
  return Parse(kStatusNames, name);
}
bool IsFinal(ExecutionStatus status) {
  return status == ExecutionStatus::kSucceeded || status == ExecutionStatus::kFailed ||
         status == ExecutionStatus::kCancelled;
}

std::string_view SavePolicyName(SavePolicy policy) { return Name(kSaveNames, policy); }
std::optional<SavePolicy> ParseSavePolicy(std::string_view name) { return Parse(kSaveNames, name); }

std::string_view RestartPolicyName(RestartPolicy policy) { return Name(kRestartNames, policy); }
std::optional<RestartPolicy> ParseRestartPolicy(std::string_view name) {
  return Parse(kRestartNames, name);
}

std::string_view NodeStateName(NodeState state) { return Name(kNodeStateNames, state); }
std::optional<NodeState> ParseNodeState(std::string_view name) {
  return Parse(kNodeStateNames, name);
}

}  // namespace flowhost::store
