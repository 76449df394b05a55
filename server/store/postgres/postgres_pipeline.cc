#include "server/store/postgres/postgres_pipeline.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::store {

PgPipeline::PgPipeline(std::string conninfo, std::string what)
    : conninfo_(std::move(conninfo)), what_(std::move(what)) {}

absl::Status PgPipeline::Adopt(PgConn conn) {
  conn_ = std::move(conn);
  if (PQsetnonblocking(conn_.get(), 1) != 0 || PQenterPipelineMode(conn_.get()) != 1) {
    return absl::InternalError(what_ +
                               ": cannot enter pipeline mode: " + PQerrorMessage(conn_.get()));
  }
  state_ = State::kReady;
  backoff_ = absl::Milliseconds(100);
  return absl::OkStatus();
}

void PgPipeline::Send(PgJob job) {
  PGconn* c = conn_.get();
  for (const PgStatement& statement : job.statements) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const PgParam& param : statement.params) {
      values.push_back(param.value ? param.value->data() : nullptr);
      lengths.push_back(param.value ? static_cast<int>(param.value->size()) : 0);
      formats.push_back(param.binary ? 1 : 0);
    }
    if (PQsendQueryParams(c, statement.sql.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), lengths.data(), formats.data(), 0) != 1) {
      jobs_.push_back(InFlight{std::move(job), {}, 0, {}});
      Lost(PQerrorMessage(c));
      return;
    }
  }
  if (PQpipelineSync(c) != 1) {
    jobs_.push_back(InFlight{std::move(job), {}, 0, {}});
    Lost(PQerrorMessage(c));
    return;
  }
  InFlight in_flight{std::move(job), {}, 0, {}};
  in_flight.results.resize(in_flight.job.statements.size());
  jobs_.push_back(std::move(in_flight));
  Flush();
}

void PgPipeline::Flush() {
  if (state_ != State::kReady) return;
  int flushed = PQflush(conn_.get());
  if (flushed < 0) {
    Lost(PQerrorMessage(conn_.get()));
    return;
  }
  flush_pending_ = flushed == 1;
}

void PgPipeline::AddPollFd(std::vector<pollfd>& fds) const {
  if (state_ == State::kDown || conn_ == nullptr) return;
  short events = 0;
  if (state_ == State::kReady) {
    events = POLLIN | (flush_pending_ ? POLLOUT : 0);
  } else {
    events = connect_poll_ == PGRES_POLLING_READING ? POLLIN : POLLOUT;
  }
  fds.push_back(pollfd{PQsocket(conn_.get()), events, 0});
}

absl::Time PgPipeline::next_attempt() const {
  return state_ == State::kDown ? next_attempt_ : absl::InfiniteFuture();
}

void PgPipeline::HandlePoll(std::span<const pollfd> fds) {
  if (state_ == State::kDown) {
    if (absl::Now() >= next_attempt_) StartConnect();
    return;
  }
  int fd = PQsocket(conn_.get());
  short revents = 0;
  for (const pollfd& p : fds) {
    if (p.fd == fd) revents = p.revents;
  }
  if (state_ == State::kConnecting) {
    if (revents != 0) ContinueConnect();
    return;
  }
  if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
    // Read what is there first: the server may have said why it closed.
    PQconsumeInput(conn_.get());
    Lost(PQerrorMessage(conn_.get()));
    return;
  }
  if (revents & POLLOUT) Flush();
  if (revents & POLLIN) {
    if (PQconsumeInput(conn_.get()) != 1) {
      Lost(PQerrorMessage(conn_.get()));
      return;
    }
    ReadResults();
    if (state_ == State::kReady && on_input_) on_input_(conn_.get());
  }
}

void PgPipeline::ReadResults() {
  PGconn* c = conn_.get();
  while (!jobs_.empty() && state_ == State::kReady && PQisBusy(c) == 0) {
    InFlight& current = jobs_.front();
    PGresult* raw = PQgetResult(c);
    if (raw == nullptr) {
      ++current.statement;  // the end of one statement's results
      continue;
    }
    PgResult result(raw);
    ExecStatusType type = PQresultStatus(raw);
    if (type == PGRES_PIPELINE_SYNC) {
      InFlight done = std::move(current);
      jobs_.pop_front();
      std::move(done.job.done)(done.status, done.results);
      continue;
    }
    if (type == PGRES_FATAL_ERROR && PQstatus(c) == CONNECTION_BAD) {
      Lost(PQresultErrorMessage(raw));
      return;
    }
    if (current.status.ok()) {
      absl::Status status = ResultStatus(raw, what_);
      if (!status.ok() && type != PGRES_PIPELINE_ABORTED) current.status = status;
    }
    if (current.statement < current.results.size()) {
      current.results[current.statement] = std::move(result);
    }
  }
}

void PgPipeline::Lost(const std::string& why) {
  std::string reason(sdk::AsStd(absl::StripTrailingAsciiWhitespace(sdk::AsAbsl(why))));
  absl::Status status = absl::UnavailableError(absl::StrCat(
      what_, ": connection lost", reason.empty() ? "" : ": ", reason, "; reconnecting"));
  conn_.reset();
  state_ = State::kDown;
  flush_pending_ = false;
  next_attempt_ = absl::Now();
  std::deque<InFlight> failed = std::move(jobs_);
  jobs_.clear();
  if (on_state_) on_state_(status);
  for (InFlight& job : failed) std::move(job.job.done)(status, job.results);
}

void PgPipeline::StartConnect() {
  conn_.reset(PQconnectStart(conninfo_.c_str()));
  if (conn_ == nullptr || PQstatus(conn_.get()) == CONNECTION_BAD) {
    ConnectFailed();
    return;
  }
  IgnoreNotices(conn_.get());
  state_ = State::kConnecting;
  connect_poll_ = PGRES_POLLING_WRITING;
}

void PgPipeline::ContinueConnect() {
  connect_poll_ = PQconnectPoll(conn_.get());
  if (connect_poll_ == PGRES_POLLING_OK) {
    absl::Status adopted = Adopt(std::move(conn_));
    if (on_state_) on_state_(adopted);
    return;
  }
  if (connect_poll_ == PGRES_POLLING_FAILED) ConnectFailed();
}

void PgPipeline::ConnectFailed() {
  std::string why = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
  conn_.reset();
  state_ = State::kDown;
  next_attempt_ = absl::Now() + backoff_;
  backoff_ = std::min(backoff_ * 2, absl::Seconds(2));
  if (on_state_) {
    on_state_(absl::UnavailableError(absl::StrCat(
        what_, ": cannot connect: ", absl::StripTrailingAsciiWhitespace(sdk::AsAbsl(why)))));
  }
}

}  // namespace flowhost::store
