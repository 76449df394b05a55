#include "server/http_api/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace flowhost::http_api {
namespace {

// OpenSSL's reasons for the last failure, oldest first ("no start line; ..."); the queue is
// emptied.
std::string OpenSslReasons() {
  std::string reasons;
  while (unsigned long error = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(error);
    if (!reasons.empty()) reasons += "; ";
    reasons += reason != nullptr ? reason : "error " + std::to_string(error);
  }
  return reasons.empty() ? "no reason given" : reasons;
}

absl::Status Problem(std::string_view setting, std::string message) {
  return absl::FailedPreconditionError("http_server.tls." + std::string(setting) + ": " +
                                       std::move(message));
}

// The file at `path` opened for reading; a problem naming `setting` when it cannot be.
absl::StatusOr<FILE*> OpenReadable(std::string_view setting, const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Problem(setting, "cannot read '" + path + "': " + std::strerror(errno));
  }
  return file;
}

// An encrypted key is refused rather than prompted for: there is no terminal to ask on.
int NoPassphrase(char*, int, int, void*) { return 0; }

struct ContextDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};

}  // namespace

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::Create(const TlsFiles& files) {
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, ContextDeleter> context(SSL_CTX_new(TLS_server_method()));
  if (context == nullptr) {
    return absl::InternalError("OpenSSL cannot create a TLS context: " + OpenSslReasons());
  }
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  // A client may not renegotiate (a cheap way to make the server work).
  SSL_CTX_set_options(context.get(), SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_default_passwd_cb(context.get(), &NoPassphrase);

  absl::StatusOr<FILE*> cert = OpenReadable("cert_file", files.cert_file);
  if (!cert.ok()) return cert.status();
  std::fclose(*cert);
  if (SSL_CTX_use_certificate_chain_file(context.get(), files.cert_file.c_str()) != 1) {
    return Problem("cert_file", "'" + files.cert_file + "' holds no usable PEM certificate (" +
                                    OpenSslReasons() + ")");
  }

  absl::StatusOr<FILE*> key_file = OpenReadable("key_file", files.key_file);
  if (!key_file.ok()) return key_file.status();
  EVP_PKEY* key = PEM_read_PrivateKey(*key_file, nullptr, &NoPassphrase, nullptr);
  std::fclose(*key_file);
  if (key == nullptr) {
    return Problem("key_file", "'" + files.key_file +
                                   "' holds no usable PEM private key, or only an encrypted one (" +
                                   OpenSslReasons() + ")");
  }
  bool key_taken = SSL_CTX_use_PrivateKey(context.get(), key) == 1;
  EVP_PKEY_free(key);
  if (!key_taken || SSL_CTX_check_private_key(context.get()) != 1) {
    ERR_clear_error();
    return Problem("key_file", "the key in '" + files.key_file +
                                   "' does not match the certificate in '" + files.cert_file + "'");
  }

  bool client_certificates = !files.client_ca_file.empty();
  if (client_certificates) {
    absl::StatusOr<FILE*> ca = OpenReadable("client_ca_file", files.client_ca_file);
    if (!ca.ok()) return ca.status();
    std::fclose(*ca);
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca_file.c_str());
    if (names == nullptr ||
        SSL_CTX_load_verify_locations(context.get(), files.client_ca_file.c_str(), nullptr) != 1) {
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      return Problem("client_ca_file", "'" + files.client_ca_file +
                                           "' holds no usable PEM CA certificate (" +
                                           OpenSslReasons() + ")");
    }
    SSL_CTX_set_client_CA_list(context.get(), names);  // takes `names`
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return std::unique_ptr<TlsContext>(new TlsContext(context.release(), client_certificates));
}

TlsContext::~TlsContext() { SSL_CTX_free(context_); }

ssl_st* TlsContext::NewSsl() const { return SSL_new(context_); }

}  // namespace flowhost::http_api
