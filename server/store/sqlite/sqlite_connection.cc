#include "server/store/sqlite/sqlite_connection.h"

#include <sqlite3.h>

#include "flowhost/sdk/absl_compat.h"
#include "server/expr/status_macros.h"

namespace flowhost::store {

SqliteQuery::~SqliteQuery() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

SqliteQuery& SqliteQuery::Bind(int index, std::string_view text) {
  // An empty view may have no data pointer, which SQLite would bind as NULL.
  sqlite3_bind_text(stmt_, index, text.empty() ? "" : text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}
SqliteQuery& SqliteQuery::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
SqliteQuery& SqliteQuery::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
SqliteQuery& SqliteQuery::Bind(int index, std::optional<int64_t> value) {
  if (value.has_value()) return Bind(index, *value);
  return BindNull(index);
}
SqliteQuery& SqliteQuery::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.empty() ? "" : bytes.data(), static_cast<int>(bytes.size()),
                    SQLITE_TRANSIENT);
  return *this;
}
SqliteQuery& SqliteQuery::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

absl::StatusOr<bool> SqliteQuery::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return connection_->Error(rc, sqlite3_sql(stmt_));
}

absl::Status SqliteQuery::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  return absl::OkStatus();
}

bool SqliteQuery::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
std::string SqliteQuery::Text(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return "";
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}
int64_t SqliteQuery::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
double SqliteQuery::Double(int column) const { return sqlite3_column_double(stmt_, column); }

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path) {
  // One thread uses each connection (SQLITE_OPEN_NOMUTEX), and nothing reads SQLite's memory
  // statistics: no global mutex around every allocation (a no-op once SQLite is initialised).
  static const int kNoMemoryStatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kNoMemoryStatus;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  auto connection = std::unique_ptr<SqliteConnection>(new SqliteConnection(db, path));
  if (rc != SQLITE_OK) return connection->Error(rc, "open");
  sqlite3_extended_result_codes(db, 1);
  return connection;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

absl::StatusOr<std::unique_ptr<SqliteQuery>> SqliteConnection::Query(std::string_view sql) {
  auto it = statements_.find(sdk::AsAbsl(sql));
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, sql);
    it = statements_.emplace(std::string(sql), stmt).first;
  }
  return std::make_unique<SqliteQuery>(it->second, this);
}

absl::Status SqliteConnection::Execute(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, sql.substr(0, 60));
  return absl::OkStatus();
}

absl::Status SqliteConnection::Run(std::string_view sql) {
  ASSIGN_OR_RETURN(auto query, Query(sql));
  return query->Run();
}

int64_t SqliteConnection::Changes() const { return sqlite3_changes64(db_); }

absl::Status SqliteConnection::Error(int rc, std::string_view what) const {
  std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string message = "execution store (sqlite " + path_ + "): " + detail + " (while " +
                        std::string(what.substr(0, 80)) + ")";
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message +
                                          ": the disk or store.max_database_bytes is full; prune "
                                          "executions or make room");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message + ": the database file is damaged; restore a backup");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return absl::UnavailableError(message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return absl::FailedPreconditionError(message);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(message);
      }
      return absl::InternalError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace flowhost::store
