// libpq helpers the PostgreSQL store is built from: owned results and connections, a RowReader
// over a result row, the mapping of SQLSTATE codes to absl::Status codes, a description of a
// connection string that never shows its password, and blocking execution for start-up work
// (migrations) before the store thread takes the connection over.
//
// SQLSTATE mapping: class 08 (connection), 57P01-57P03 (shutdown) -> UNAVAILABLE; class 53 (disk
// full, out of memory, too many connections) -> RESOURCE_EXHAUSTED; 40001 / 40P01 (serialization,
// deadlock) -> ABORTED; 23505 -> ALREADY_EXISTS, other class 23 -> FAILED_PRECONDITION; class 22
// (data) -> INVALID_ARGUMENT; anything else INTERNAL.
//
// Thread-safety: none; a connection belongs to one thread at a time.
#ifndef FLOWHOST_SERVER_STORE_POSTGRES_POSTGRES_CONNECTION_H_
#define FLOWHOST_SERVER_STORE_POSTGRES_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/store/row_codec.h"

namespace flowhost::store {

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;

// Row `row` of a result.
class PgRowReader : public RowReader {
 public:
  PgRowReader(const PGresult* result, int row) : result_(result), row_(row) {}
  bool IsNull(int column) const override;
  std::string Text(int column) const override;
  int64_t Int(int column) const override;
  double Double(int column) const override;

 private:
  const PGresult* result_;
  int row_;
};

// The status for an error with SQLSTATE `sqlstate` (may be empty) and `message`, prefixed with
// `what` (the store's description).
absl::Status PostgresErrorStatus(std::string_view sqlstate, std::string_view message,
                                 std::string_view what);
// The status of `result` (OK for PGRES_COMMAND_OK / PGRES_TUPLES_OK / PGRES_PIPELINE_SYNC).
absl::Status ResultStatus(const PGresult* result, std::string_view what);

// "postgres host=/run/x port=5432 dbname=flowhost user=flowhost": what `conninfo` (a URL or
// key=value pairs) connects to, without the password. INVALID_ARGUMENT when it does not parse.
absl::StatusOr<std::string> DescribeConninfo(const std::string& conninfo);

// Drops the server's notices ("relation ... already exists, skipping"), which libpq would print
// to stderr.
void IgnoreNotices(PGconn* conn);

// Connects, blocking. UNAVAILABLE naming the server (never the password) when it cannot.
absl::StatusOr<PgConn> ConnectBlocking(const std::string& conninfo, std::string_view what);

// Runs `sql` (one or more statements), blocking; returns the last result.
absl::StatusOr<PgResult> ExecBlocking(PGconn* conn, const std::string& sql, std::string_view what);

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_POSTGRES_POSTGRES_CONNECTION_H_
