// A real PostgreSQL 15 server for tests: Debian's postgresql-15 binaries run in a temporary
// directory, listening only on a unix socket there (no TCP port, so parallel tests never clash),
// with trust authentication. PostgreSQL refuses to run as root, so when the tests run as root
// (as in CI) the server runs as `nobody` through runuser; otherwise as the current user.
//
// The first start in a machine's temporary directory runs initdb once into a template cluster
// (flowhost-test-pg15-template, made under a file lock); every server after copies it, which
// takes a fraction of initdb's time.
//
// Thread-safety: none; one test drives it.
#ifndef FLOWHOST_TESTS_STORE_POSTGRES_SERVER_H_
#define FLOWHOST_TESTS_STORE_POSTGRES_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace flowhost::store::testing {

class PostgresServer {
 public:
  // Creates the cluster and starts the server. FAILED_PRECONDITION when postgresql-15 is not
  // installed (run .ci/setup).
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();  // stops the server and removes its directory

  // A libpq connection string for database `dbname` on this server.
  std::string Url(const std::string& dbname) const;
  // Creates an empty database.
  absl::Status CreateDatabase(const std::string& dbname);
  // Runs SQL on `dbname`, blocking (for tests that corrupt or inspect rows).
  absl::Status Execute(const std::string& dbname, const std::string& sql);

  // Stops the server (fast shutdown: clients are disconnected) and starts it again.
  absl::Status Stop();
  absl::Status Restart();

 private:
  explicit PostgresServer(std::string dir) : dir_(std::move(dir)) {}
  absl::Status Run(const std::string& command) const;
  std::string dir_;
  bool running_ = false;
};

}  // namespace flowhost::store::testing

#endif  // FLOWHOST_TESTS_STORE_POSTGRES_SERVER_H_
