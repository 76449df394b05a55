#include "tests/executor/credential_nodes.h"

#include <memory>
#include <string>

#include "flowhost/sdk/node_context.h"

namespace flowhost::executor::testing {
namespace {

using sdk::Json;

class CredentialNode : public sdk::Node {
 public:
  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    absl::StatusOr<Json> params = context.params().ForItem(0);
    if (!params.ok()) return done(params.status());
    std::string ask = params->value("ask", params->value("credential", ""));
    absl::StatusOr<sdk::Credential> credential = context.credential(ask);
    if (!credential.ok()) return done(credential.status());
    if (params->value("leak", false)) {
      // What a careless node might do: put the secret in its error.
      return done(absl::UnavailableError("upstream refused key " + credential->secret.reveal()));
    }
    sdk::NodeResult result;
    result.outputs.push_back({Json{{"credential", credential->name},
                                   {"secret_length", credential->secret.reveal().size()}}});
    done(std::move(result));
  }
};

class CredentialNodeType : public sdk::NodeType {
 public:
  CredentialNodeType() {
    info_.type = "test.credential";
    info_.description = "Reads a host credential by name (tests only).";
    Json name = {{"type", "string"}, {"x-credential", true}, {"description", "A credential."}};
    info_.parameter_schema = {
        {"type", "object"},
        {"properties",
         {{"credential", name},
          {"other", name},
          {"ask", {{"type", "string"}, {"description", "The credential asked for."}}},
          {"leak", {{"type", "boolean"}, {"default", false}, {"description", "Be careless."}}}}},
        {"additionalProperties", false}};
  }
  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig&) const override {
    return std::make_unique<CredentialNode>();
  }

 private:
  sdk::NodeTypeInfo info_;
};

}  // namespace

absl::Status RegisterCredentialNodes(sdk::NodeRegistry& registry) {
  return registry.Register(std::make_shared<CredentialNodeType>());
}

}  // namespace flowhost::executor::testing
