#include "tests/store/store_backends.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"
#include "server/store/postgres/postgres_execution_store.h"
#include "server/store/sqlite/sqlite_execution_store.h"

namespace flowhost::store::testing {
namespace {

std::atomic<int> counter{0};

std::string UniqueName(const char* prefix) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = prefix + std::to_string(getpid()) + "_" + std::to_string(counter++);
  if (test != nullptr) name += std::string("_") + test->name();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name.substr(0, 60);
}

}  // namespace

SqliteBackend::~SqliteBackend() {
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

absl::Status SqliteBackend::Prepare() {
  dir_ = (std::filesystem::temp_directory_path() / UniqueName("flowhost_store_")).string();
  std::filesystem::remove_all(dir_);
  return absl::OkStatus();
}

absl::StatusOr<ExecutionStorePtr> SqliteBackend::Open(StoreOptions options) const {
  return OpenSqliteStore(SqliteStoreOptions{dir_, 0}, std::move(options));
}

absl::Status SqliteBackend::Migrate(int version) const {
  std::filesystem::create_directories(dir_);
  return MigrateSqliteDatabase(SqliteDatabasePath(dir_), version);
}

absl::Status SqliteBackend::Execute(const std::string& sql) const {
  sqlite3* db = nullptr;
  sqlite3_open(SqliteDatabasePath(dir_).c_str(), &db);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (rc != SQLITE_OK) return absl::InternalError(message);
  return absl::OkStatus();
}

PostgresServer& PostgresBackend::Server() {
  // Destroyed (the server stopped, its directory removed) when the test process exits.
  static std::unique_ptr<PostgresServer> server = [] {
    absl::StatusOr<std::unique_ptr<PostgresServer>> started = PostgresServer::Start();
    if (!started.ok()) {
      std::fprintf(stderr, "cannot start the test PostgreSQL server: %s\n",
                   started.status().ToString().c_str());
      std::abort();
    }
    return std::move(*started);
  }();
  return *server;
}

absl::Status PostgresBackend::Prepare() {
  db_ = UniqueName("t");
  for (char& c : db_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return Server().CreateDatabase(db_);
}

std::string PostgresBackend::url() const { return Server().Url(db_); }

absl::StatusOr<ExecutionStorePtr> PostgresBackend::Open(StoreOptions options) const {
  return OpenPostgresStore(url(), std::move(options));
}

absl::Status PostgresBackend::Migrate(int version) const {
  return MigratePostgresDatabase(url(), version);
}

absl::Status PostgresBackend::Execute(const std::string& sql) const {
  return Server().Execute(db_, sql);
}

}  // namespace flowhost::store::testing
