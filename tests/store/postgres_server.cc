#include "tests/store/postgres_server.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace flowhost::store::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";
constexpr const char* kUser = "nobody";

// Prefix that runs a command as the unprivileged user when we are root.
std::string AsServerUser() {
  return geteuid() == 0 ? std::string("runuser -u ") + kUser + " -- " : "";
}

absl::Status Shell(const std::string& command) {
  int rc = std::system(command.c_str());
  if (rc != 0) {
    return absl::InternalError("'" + command + "' failed with status " + std::to_string(rc));
  }
  return absl::OkStatus();
}

// Makes the template cluster once per machine, under a lock, and returns its path.
absl::StatusOr<std::string> TemplateCluster() {
  fs::path base = fs::temp_directory_path();
  fs::path ready = base / "flowhost-test-pg15-template";
  int lock = open((base / "flowhost-test-pg15-template.lock").c_str(), O_RDWR | O_CREAT, 0666);
  if (lock < 0) return absl::InternalError("cannot open the template lock");
  flock(lock, LOCK_EX);
  absl::Status status;
  if (!fs::exists(ready / "PG_VERSION")) {
    fs::path building = base / ("flowhost-test-pg15-template.tmp" + std::to_string(getpid()));
    fs::remove_all(building);
    fs::create_directories(building);
    status = Shell("chown " + std::string(geteuid() == 0 ? kUser : "$(id -un)") + " " +
                   building.string() + " && chmod 700 " + building.string());
    if (status.ok()) {
      status = Shell(AsServerUser() + kBin + "/initdb -D " + building.string() +
                     " -U flowhost --auth=trust -E UTF8 --no-sync >/dev/null");
    }
    if (status.ok()) {
      fs::remove_all(ready);
      fs::rename(building, ready);
    } else {
      fs::remove_all(building);
    }
  }
  flock(lock, LOCK_UN);
  close(lock);
  if (!status.ok()) return status;
  return ready.string();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  if (!fs::exists(std::string(kBin) + "/postgres")) {
    return absl::FailedPreconditionError(
        "PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin): run .ci/setup");
  }
  absl::StatusOr<std::string> cluster = TemplateCluster();
  if (!cluster.ok()) return cluster.status();
  std::string pattern = (fs::temp_directory_path() / "flowhost-pg-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  auto server = std::unique_ptr<PostgresServer>(new PostgresServer(pattern));
  // The directory holds the socket and the cluster; the server user must own both.
  absl::Status status = Shell("chmod 755 " + pattern);
  if (status.ok() && geteuid() == 0) status = Shell("chown " + std::string(kUser) + " " + pattern);
  if (status.ok()) status = Shell(AsServerUser() + "cp -a " + *cluster + " " + pattern + "/data");
  if (!status.ok()) return status;
  status = server->Restart();
  if (!status.ok()) return status;
  return server;
}

PostgresServer::~PostgresServer() {
  (void)Stop();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

absl::Status PostgresServer::Run(const std::string& command) const {
  return Shell(AsServerUser() + command);
}

absl::Status PostgresServer::Stop() {
  if (!running_) return absl::OkStatus();
  running_ = false;
  return Run(std::string(kBin) + "/pg_ctl -D " + dir_ + "/data -w -m fast stop >/dev/null");
}

absl::Status PostgresServer::Restart() {
  absl::Status status = Run(std::string(kBin) + "/pg_ctl -D " + dir_ + "/data -w -l " + dir_ +
                            "/log -o \"-k " + dir_ +
                            " -c listen_addresses= -p 5432 -F -c max_connections=50\" start "
                            ">/dev/null");
  if (status.ok()) running_ = true;
  return status;
}

std::string PostgresServer::Url(const std::string& dbname) const {
  return "host=" + dir_ + " port=5432 user=flowhost dbname=" + dbname;
}

absl::Status PostgresServer::Execute(const std::string& dbname, const std::string& sql) {
  PGconn* conn = PQconnectdb(Url(dbname).c_str());
  absl::Status status;
  if (PQstatus(conn) != CONNECTION_OK) {
    status = absl::UnavailableError(PQerrorMessage(conn));
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    ExecStatusType type = PQresultStatus(result);
    if (type != PGRES_COMMAND_OK && type != PGRES_TUPLES_OK) {
      status = absl::InternalError(PQresultErrorMessage(result));
    }
    PQclear(result);
  }
  PQfinish(conn);
  return status;
}

absl::Status PostgresServer::CreateDatabase(const std::string& dbname) {
  return Execute("postgres", "CREATE DATABASE " + dbname);
}

}  // namespace flowhost::store::testing
