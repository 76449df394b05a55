// The store's schema, as numbered migrations, each with its SQLite and PostgreSQL text. A
// database records the versions applied in its schema_version table; at start a backend applies
// the missing ones in order, each in its own transaction, and refuses a database whose version is
// newer than this build knows (FAILED_PRECONDITION: upgrade flowhost). Migrations are append
// only: a released one is never edited.
#ifndef FLOWHOST_SERVER_STORE_SCHEMA_MIGRATIONS_H_
#define FLOWHOST_SERVER_STORE_SCHEMA_MIGRATIONS_H_

#include <span>
#include <string>

namespace flowhost::store {

struct Migration {
  int version;
  const char* description;
  const char* sql;  // statements separated by ';', with the dialect's types to fill in
};

enum class SqlDialect { kSqlite, kPostgres };

// Every migration, in version order (1, 2, ...).
std::span<const Migration> AllMigrations();
int LatestSchemaVersion();

// The migration's statements for `dialect`.
std::string MigrationSql(const Migration& migration, SqlDialect dialect);

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_SCHEMA_MIGRATIONS_H_
