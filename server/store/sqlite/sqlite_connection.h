// A SQLite connection with cached prepared statements, and the mapping of SQLite's result codes
// to absl::Status codes: SQLITE_FULL -> RESOURCE_EXHAUSTED, SQLITE_CORRUPT / SQLITE_NOTADB ->
// DATA_LOSS, SQLITE_BUSY / SQLITE_IOERR / SQLITE_CANTOPEN -> UNAVAILABLE, SQLITE_READONLY ->
// FAILED_PRECONDITION, anything else INTERNAL. Messages name the database file.
//
// Thread-safety: none; one thread (the store thread, or the opener before it starts) uses it.
#ifndef FLOWHOST_SERVER_STORE_SQLITE_SQLITE_CONNECTION_H_
#define FLOWHOST_SERVER_STORE_SQLITE_SQLITE_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "server/store/row_codec.h"

struct sqlite3;
struct sqlite3_stmt;

namespace flowhost::store {

// One prepared statement in use: bind, then step through its rows. Resets itself when destroyed,
// so the cached statement is ready for its next use.
class SqliteQuery : public RowReader {
 public:
  SqliteQuery(sqlite3_stmt* stmt, const class SqliteConnection* connection)
      : stmt_(stmt), connection_(connection) {}
  ~SqliteQuery() override;
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;

  // Parameters are numbered from 1 as in the SQL (?1, ?2, ...).
  SqliteQuery& Bind(int index, std::string_view text);
  SqliteQuery& Bind(int index, int64_t value);
  SqliteQuery& Bind(int index, double value);
  SqliteQuery& Bind(int index, std::optional<int64_t> value);  // nullopt binds NULL
  SqliteQuery& BindBlob(int index, std::string_view bytes);
  SqliteQuery& BindNull(int index);

  // Advances to the next row: true when there is one, false when done.
  absl::StatusOr<bool> Step();
  // Runs a statement that returns no rows.
  absl::Status Run();

  bool IsNull(int column) const override;
  std::string Text(int column) const override;
  int64_t Int(int column) const override;
  double Double(int column) const override;

 private:
  sqlite3_stmt* stmt_;
  const SqliteConnection* connection_;
};

class SqliteConnection {
 public:
  // Opens (creating) the database file at `path`. Errors as above.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::string& path);
  ~SqliteConnection();

  // Prepares `sql` once (cached by its text) and returns it ready to bind.
  // (Looked up by its text without a copy: the store's statements are mostly literals.)
  absl::StatusOr<std::unique_ptr<SqliteQuery>> Query(std::string_view sql);
  // Runs statements without parameters (several, separated by ';').
  absl::Status Execute(const std::string& sql);
  // Runs one statement without parameters, prepared once (BEGIN, SAVEPOINT, COMMIT, ...).
  absl::Status Run(std::string_view sql);
  // Rows changed by the last statement.
  int64_t Changes() const;

  // The status for SQLite result code `rc` while doing `what`.
  absl::Status Error(int rc, std::string_view what) const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_SQLITE_SQLITE_CONNECTION_H_
