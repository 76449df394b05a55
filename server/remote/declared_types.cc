#include "server/remote/declared_types.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/json_schema.h"
#include "flowhost/sdk/json_text.h"
#include "server/remote/remote_node_type.h"

namespace flowhost::remote {
namespace {

constexpr char kRemoteOrigin[] = "(remote worker)";

}  // namespace

absl::StatusOr<DeclaredRemoteType> LoadDeclaredRemoteType(std::string name,
                                                          std::string schema_file,
                                                          std::string description,
                                                          std::vector<std::string> outputs) {
  std::ifstream in(schema_file);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("remote.types.", name, ": cannot read schema file '",
                                            schema_file, "'"));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<sdk::Json> schema = sdk::ParseJsonText(text.str());
  absl::Status valid = schema.ok() ? sdk::CheckSchema(*schema) : schema.status();
  if (!valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("remote.types.", name, ": schema file '",
                                                   schema_file, "': ", valid.message()));
  }
  DeclaredRemoteType declared;
  declared.info.type = std::move(name);
  declared.info.description =
      description.empty() ? "A node type served by remote workers." : std::move(description);
  declared.info.parameter_schema = *std::move(schema);
  if (!outputs.empty()) {
    declared.info.outputs.clear();
    for (std::string& output : outputs) declared.info.outputs.push_back({std::move(output), ""});
  }
  declared.schema_file = std::move(schema_file);
  return declared;
}

absl::Status RegisterRemoteNodeTypes(const std::shared_ptr<WorkerHub>& hub,
                                     registry::NodeTypeRegistry& registry) {
  for (const DeclaredRemoteType& declared : hub->config().types) {
    registry::NodeOrigin origin;
    origin.plugin_file = kRemoteOrigin;
    origin.plugin_name = "remote";
    if (absl::Status status = registry.Register(
            std::make_shared<RemoteNodeType>(declared.info, hub), std::move(origin));
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

std::optional<std::string> DescribeTypeHolder(const registry::NodeTypeRegistry& registry,
                                              std::string_view type) {
  const registry::NodeOrigin* origin = registry.OriginOf(type);
  if (origin == nullptr || origin->plugin_file == kRemoteOrigin) return std::nullopt;
  if (origin->builtin()) return absl::StrCat("the built-in node type '", std::string(type), "'");
  return absl::StrCat("node type '", std::string(type), "' of ", origin->Describe());
}

}  // namespace flowhost::remote
