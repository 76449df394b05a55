// The TLS side of the HTTP/JSON listener (http_server.tls.*; docs/http.md "TLS"): an OpenSSL
// server context built once at start from PEM files (the certificate chain, its private key and,
// for mutual TLS, the CAs a client certificate must chain to), and the OpenSSL bufferevent of each
// new connection, which the connection's guard (connection_guard.h) watches on the loop thread.
//
// Create checks every file at start, so a bad one stops `flowhost serve` with a message naming the
// setting and the file: missing or unreadable, not PEM, or a key that does not match the
// certificate.
//
// Ownership: owns the SSL_CTX; each connection's SSL holds its own reference to it, so the
// context may go before the last connection is freed. Thread-safety: immutable after Create;
// NewConnection is called on the loop thread.
#ifndef FLOWHOST_SERVER_HTTP_API_TLS_CONTEXT_H_
#define FLOWHOST_SERVER_HTTP_API_TLS_CONTEXT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

struct ssl_ctx_st;
struct ssl_st;

namespace flowhost::http_api {

struct TlsFiles {
  std::string cert_file;       // PEM certificate chain, the server's first
  std::string key_file;        // PEM private key of the certificate
  std::string client_ca_file;  // PEM CAs; set: every client must present a certificate they sign
};

class TlsContext {
 public:
  // FAILED_PRECONDITION naming the setting and the file when one cannot be read or used.
  static absl::StatusOr<std::unique_ptr<TlsContext>> Create(const TlsFiles& files);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A new connection's SSL object (its handshake not begun), or null when OpenSSL cannot make
  // one. The caller owns it; libevent's OpenSSL bufferevent takes it over.
  ssl_st* NewSsl() const;

  bool requires_client_certificate() const { return requires_client_certificate_; }

 private:
  TlsContext(ssl_ctx_st* context, bool requires_client_certificate)
      : context_(context), requires_client_certificate_(requires_client_certificate) {}

  ssl_ctx_st* const context_;
  const bool requires_client_certificate_;
};

}  // namespace flowhost::http_api

#endif  // FLOWHOST_SERVER_HTTP_API_TLS_CONTEXT_H_
