// A credential the host resolved for a node: a secret (an API key) and non-secret attributes that go
// with it (such as `base_url`, `http_referer`, `app_title` for OpenRouter). The host reads credentials
// from its configuration (environment variables or files); workflows only name them.
//
// Thread-safety: immutable value.
#ifndef FLOWHOST_SDK_CREDENTIAL_H_
#define FLOWHOST_SDK_CREDENTIAL_H_

#include <string>

#include "flowhost/sdk/json.h"
#include "flowhost/sdk/secret.h"

namespace flowhost::sdk {

struct Credential {
  std::string name;
  Secret secret;
  Json attributes = Json::object();  // never holds the secret
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_CREDENTIAL_H_
