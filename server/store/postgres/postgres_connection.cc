#include "server/store/postgres/postgres_connection.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::store {

bool PgRowReader::IsNull(int column) const { return PQgetisnull(result_, row_, column) != 0; }

std::string PgRowReader::Text(int column) const {
  const char* value = PQgetvalue(result_, row_, column);
  int length = PQgetlength(result_, row_, column);
  if (PQfformat(result_, column) == 0 && PQftype(result_, column) == 17 /* bytea */) {
    size_t size = 0;
    unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(value), &size);
    if (bytes == nullptr) return "";
    std::string text(reinterpret_cast<const char*>(bytes), size);
    PQfreemem(bytes);
    return text;
  }
  return std::string(value, static_cast<size_t>(length));
}

int64_t PgRowReader::Int(int column) const {
  if (IsNull(column)) return 0;
  return std::strtoll(PQgetvalue(result_, row_, column), nullptr, 10);
}

double PgRowReader::Double(int column) const {
  if (IsNull(column)) return 0;
  return std::strtod(PQgetvalue(result_, row_, column), nullptr);
}

absl::Status PostgresErrorStatus(std::string_view sqlstate, std::string_view message,
                                 std::string_view what) {
  std::string text(sdk::AsStd(absl::StripTrailingAsciiWhitespace(sdk::AsAbsl(message))));
  std::string full = absl::StrCat(sdk::AsAbsl(what), ": ", text);
  if (!sqlstate.empty()) absl::StrAppend(&full, " (SQLSTATE ", sdk::AsAbsl(sqlstate), ")");
  std::string_view cls = sqlstate.substr(0, 2);
  if (sqlstate.empty() || cls == "08" || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    return absl::UnavailableError(full);
  }
  if (cls == "53") {
    return absl::ResourceExhaustedError(full +
                                        ": the database server is out of disk, memory or "
                                        "connections");
  }
  if (sqlstate == "40001" || sqlstate == "40P01") return absl::AbortedError(full);
  if (sqlstate == "23505") return absl::AlreadyExistsError(full);
  if (cls == "23") return absl::FailedPreconditionError(full);
  if (cls == "22") return absl::InvalidArgumentError(full);
  return absl::InternalError(full);
}

absl::Status ResultStatus(const PGresult* result, std::string_view what) {
  if (result == nullptr)
    return absl::UnavailableError(absl::StrCat(sdk::AsAbsl(what), ": no result"));
  ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_PIPELINE_SYNC) {
    return absl::OkStatus();
  }
  if (status == PGRES_PIPELINE_ABORTED) {
    return absl::AbortedError(
        absl::StrCat(sdk::AsAbsl(what), ": not run, an earlier statement of its batch failed"));
  }
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return PostgresErrorStatus(sqlstate ? sqlstate : "", PQresultErrorMessage(result), what);
}

absl::StatusOr<std::string> DescribeConninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string message = error ? error : "cannot parse it";
    if (error) PQfreemem(error);
    return absl::InvalidArgumentError(
        "store.url: not a PostgreSQL connection string: " +
        std::string(sdk::AsStd(absl::StripTrailingAsciiWhitespace(sdk::AsAbsl(message)))));
  }
  std::string description = "postgres";
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    std::string_view keyword = option->keyword;
    if (option->val == nullptr || option->val[0] == '\0') continue;
    if (keyword == "host" || keyword == "hostaddr" || keyword == "port" || keyword == "dbname" ||
        keyword == "user") {
      absl::StrAppend(&description, " ", option->keyword, "=", option->val);
    }
  }
  PQconninfoFree(options);
  return description;
}

void IgnoreNotices(PGconn* conn) {
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
}

absl::StatusOr<PgConn> ConnectBlocking(const std::string& conninfo, std::string_view what) {
  PgConn conn(PQconnectdb(conninfo.c_str()));
  if (conn != nullptr) IgnoreNotices(conn.get());
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    std::string message = conn ? PQerrorMessage(conn.get()) : "out of memory";
    return absl::UnavailableError(absl::StrCat(
        sdk::AsAbsl(what),
        ": cannot connect: ", absl::StripTrailingAsciiWhitespace(sdk::AsAbsl(message))));
  }
  return conn;
}

absl::StatusOr<PgResult> ExecBlocking(PGconn* conn, const std::string& sql, std::string_view what) {
  PgResult result(PQexec(conn, sql.c_str()));
  absl::Status status = ResultStatus(result.get(), what);
  if (!status.ok()) {
    if (PQstatus(conn) == CONNECTION_BAD) {
      return absl::UnavailableError(
          absl::StrCat(sdk::AsAbsl(what), ": connection lost: ", status.message()));
    }
    return status;
  }
  return result;
}

}  // namespace flowhost::store
