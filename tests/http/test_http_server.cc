#include "tests/http/test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/json.h"

namespace flowhost::http::testing {
namespace {

using Clock = std::chrono::steady_clock;

void Check(bool ok, const char* what) {
  if (!ok) {
    perror(what);
    std::abort();
  }
}

std::string StatusLine(int status) {
  const char* reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Status";
  return absl::StrCat("HTTP/1.1 ", status, " ", reason, "\r\n");
}

std::string ChunkFrame(std::string_view data) {
  return absl::StrCat(absl::Hex(data.size()), "\r\n", sdk::AsAbsl(data), "\r\n");
}

struct Conn {
  enum class Phase { kIdle, kDelaying, kStreaming, kHanging, kGated };
  int fd = -1;
  uint64_t id = 0;
  std::string in;
  std::string out;
  size_t out_offset = 0;
  bool want_write = false;
  bool pending = false;  // a request was read and its response is not complete
  Phase phase = Phase::kIdle;
  std::string delayed_response;
  int chunks = 0;
  int next_chunk = 0;
  int gap_ms = 0;
  bool hang_after_chunks = false;
};

}  // namespace

class TestHttpServer::Loop {
 public:
  explicit Loop(TestHttpServer& server) : server_(server) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    Check(epoll_fd_ >= 0, "epoll_create1");
    Watch(server_.listen_fd_, EPOLLIN);
    Watch(server_.wake_fd_, EPOLLIN);
    Watch(server_.gate_fd_, EPOLLIN);
  }

  ~Loop() {
    for (auto& [fd, conn] : conns_) close(fd);
    close(epoll_fd_);
  }

  void Run() {
    std::vector<epoll_event> events(256);
    for (;;) {
      int timeout_ms = -1;
      if (!timers_.empty()) {
        auto wait =
            std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first - Clock::now());
        timeout_ms = static_cast<int>(std::max<int64_t>(0, wait.count()));
      }
      int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout_ms);
      if (n < 0 && errno != EINTR) Check(false, "epoll_wait");
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == server_.wake_fd_) return;
        if (fd == server_.gate_fd_) {
          OpenGate();
          continue;
        }
        if (fd == server_.listen_fd_) {
          Accept();
          continue;
        }
        auto it = conns_.find(fd);
        if (it == conns_.end()) continue;
        Conn* conn = it->second.get();
        if (events[i].events & EPOLLOUT) {
          if (!Flush(conn)) continue;
        }
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) OnReadable(conn);
      }
      FireTimers();
    }
  }

 private:
  void Watch(int fd, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    Check(epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0, "epoll_ctl add");
  }

  void Rewatch(Conn* conn, bool want_write) {
    if (conn->want_write == want_write) return;
    conn->want_write = want_write;
    epoll_event event{};
    event.events = want_write ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
    event.data.fd = conn->fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn->fd, &event);
  }

  void Accept() {
    for (;;) {
      int fd = accept4(server_.listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      auto conn = std::make_unique<Conn>();
      conn->fd = fd;
      conn->id = ++next_id_;
      Watch(fd, EPOLLIN);
      conns_.emplace(fd, std::move(conn));
      server_.Update([](TestServerStats& s) {
        ++s.connections_accepted;
        ++s.connections_open;
      });
    }
  }

  void OnReadable(Conn* conn) {
    char buffer[16384];
    for (;;) {
      ssize_t got = read(conn->fd, buffer, sizeof(buffer));
      if (got > 0) {
        conn->in.append(buffer, static_cast<size_t>(got));
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) break;
      Close(conn);  // EOF or reset from the client
      return;
    }
    ParseRequests(conn);
  }

  void ParseRequests(Conn* conn) {
    while (conn->phase == Conn::Phase::kIdle && !conn->pending) {
      size_t head_end = conn->in.find("\r\n\r\n");
      if (head_end == std::string::npos) return;
      std::vector<std::string> lines =
          absl::StrSplit(conn->in.substr(0, head_end), "\r\n", absl::SkipEmpty());
      if (lines.empty()) return Close(conn);
      std::vector<std::string> request_line = absl::StrSplit(lines[0], ' ');
      if (request_line.size() < 2) return Close(conn);
      sdk::Json headers = sdk::Json::object();
      size_t content_length = 0;
      for (size_t i = 1; i < lines.size(); ++i) {
        size_t colon = lines[i].find(':');
        if (colon == std::string::npos) continue;
        std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
        std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
        if (name == "content-length") absl::SimpleAtoi(value, &content_length);
        headers[name] = value;
      }
      size_t total = head_end + 4 + content_length;
      if (conn->in.size() < total) return;
      std::string body = conn->in.substr(head_end + 4, content_length);
      conn->in.erase(0, total);
      conn->pending = true;
      server_.Update([](TestServerStats& s) {
        ++s.requests;
        ++s.requests_pending;
      });
      if (!Route(conn, request_line[0], request_line[1], headers, body)) return;
    }
  }

  // Returns false when the connection was closed.
  bool Route(Conn* conn, const std::string& method, const std::string& target,
             const sdk::Json& headers, const std::string& body) {
    std::string path = target.substr(0, target.find('?'));
    std::vector<std::string> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
    auto number = [&parts](size_t i) {
      int value = 0;
      if (i < parts.size()) absl::SimpleAtoi(parts[i], &value);
      return value;
    };
    const std::string route = parts.empty() ? "" : parts[0];
    if (route == "echo") {
      sdk::Json echo = {{"method", method}, {"path", target}, {"headers", headers}, {"body", body}};
      return Respond(conn, 200, echo.dump(), "Content-Type: application/json\r\n");
    }
    if (route == "delay") {
      conn->phase = Conn::Phase::kDelaying;
      conn->delayed_response = Response(200, "ok", "");
      AddTimer(conn, number(1));
      return true;
    }
    if (route == "status") {
      int status = number(1);
      std::string extra = (status == 429 || status == 503) ? "Retry-After: 7\r\n" : "";
      return Respond(conn, status, absl::StrCat("status ", status), extra);
    }
    if (route == "bytes") return Respond(conn, 200, std::string(number(1), 'x'), "");
    if (route == "chunked-bytes") {
      std::string out = StatusLine(200) + "Transfer-Encoding: chunked\r\n\r\n";
      std::string piece(16384, 'x');
      for (int left = number(1); left > 0; left -= 16384) {
        out += ChunkFrame(std::string_view(piece).substr(0, std::min(left, 16384)));
      }
      out += "0\r\n\r\n";
      return Send(conn, std::move(out), /*completes=*/true);
    }
    if (route == "stream" || route == "stream-hang") {
      conn->phase = Conn::Phase::kStreaming;
      conn->chunks = number(1);
      conn->gap_ms = number(2);
      conn->next_chunk = 0;
      conn->hang_after_chunks = route == "stream-hang";
      AddTimer(conn, conn->gap_ms);
      return Send(conn,
                  StatusLine(200) + "Content-Type: text/event-stream\r\n" +
                      "Transfer-Encoding: chunked\r\n\r\n",
                  /*completes=*/false);
    }
    if (route == "gate") {
      if (gate_open_) return Respond(conn, 200, "ok", "");
      conn->phase = Conn::Phase::kGated;
      gated_.emplace_back(conn->fd, conn->id);
      return true;
    }
    if (route == "hang") {
      conn->phase = Conn::Phase::kHanging;
      return true;
    }
    if (route == "reset") {
      linger hard{1, 0};
      setsockopt(conn->fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
      CompleteResponse(conn);
      Close(conn);
      return false;
    }
    return Respond(conn, 404, "no such route", "");
  }

  static std::string Response(int status, const std::string& body, const std::string& extra) {
    return absl::StrCat(StatusLine(status), "Content-Length: ", body.size(), "\r\n", extra, "\r\n",
                        body);
  }

  bool Respond(Conn* conn, int status, const std::string& body, const std::string& extra) {
    return Send(conn, Response(status, body, extra), /*completes=*/true);
  }

  void CompleteResponse(Conn* conn) {
    if (!conn->pending) return;
    conn->pending = false;
    conn->phase = Conn::Phase::kIdle;
    server_.Update([](TestServerStats& s) { --s.requests_pending; });
  }

  // Queues bytes and writes what the socket takes. Returns false when the connection was closed.
  bool Send(Conn* conn, std::string bytes, bool completes) {
    conn->out += bytes;
    if (completes) CompleteResponse(conn);
    return Flush(conn);
  }

  bool Flush(Conn* conn) {
    while (conn->out_offset < conn->out.size()) {
      ssize_t wrote =
          write(conn->fd, conn->out.data() + conn->out_offset, conn->out.size() - conn->out_offset);
      if (wrote > 0) {
        conn->out_offset += static_cast<size_t>(wrote);
        continue;
      }
      if (wrote < 0 && (errno == EAGAIN || errno == EINTR)) {
        Rewatch(conn, true);
        return true;
      }
      Close(conn);
      return false;
    }
    conn->out.clear();
    conn->out_offset = 0;
    Rewatch(conn, false);
    return true;
  }

  void OpenGate() {
    uint64_t count = 0;
    if (read(server_.gate_fd_, &count, sizeof(count)) < 0) return;
    gate_open_ = true;
    for (auto [fd, id] : gated_) {
      auto it = conns_.find(fd);
      if (it == conns_.end() || it->second->id != id) continue;
      if (Respond(it->second.get(), 200, "ok", "")) ParseRequests(it->second.get());
    }
    gated_.clear();
  }

  void AddTimer(Conn* conn, int ms) {
    timers_.emplace(Clock::now() + std::chrono::milliseconds(ms),
                    std::make_pair(conn->fd, conn->id));
  }

  void FireTimers() {
    while (!timers_.empty() && timers_.begin()->first <= Clock::now()) {
      auto [fd, id] = timers_.begin()->second;
      timers_.erase(timers_.begin());
      auto it = conns_.find(fd);
      if (it == conns_.end() || it->second->id != id) continue;  // closed since
      Conn* conn = it->second.get();
      if (conn->phase == Conn::Phase::kDelaying) {
        if (Send(conn, std::move(conn->delayed_response), /*completes=*/true)) ParseRequests(conn);
      } else if (conn->phase == Conn::Phase::kStreaming) {
        std::string chunk = ChunkFrame(absl::StrCat("data: ", conn->next_chunk++, "\n\n"));
        if (conn->next_chunk < conn->chunks) {
          AddTimer(conn, conn->gap_ms);
          Send(conn, std::move(chunk), /*completes=*/false);
        } else if (conn->hang_after_chunks) {
          conn->phase = Conn::Phase::kHanging;
          Send(conn, std::move(chunk), /*completes=*/false);
        } else if (Send(conn, chunk + "0\r\n\r\n", /*completes=*/true)) {
          ParseRequests(conn);
        }
      }
    }
  }

  void Close(Conn* conn) {
    bool aborted = conn->pending;
    server_.Update([aborted](TestServerStats& s) {
      --s.connections_open;
      if (aborted) {
        ++s.requests_aborted;
        --s.requests_pending;
      }
    });
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn->fd, nullptr);
    close(conn->fd);
    conns_.erase(conn->fd);
  }

  TestHttpServer& server_;
  int epoll_fd_ = -1;
  uint64_t next_id_ = 0;
  std::unordered_map<int, std::unique_ptr<Conn>> conns_;
  std::multimap<Clock::time_point, std::pair<int, uint64_t>> timers_;
  std::vector<std::pair<int, uint64_t>> gated_;
  bool gate_open_ = false;
};

TestHttpServer::TestHttpServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  Check(listen_fd_ >= 0, "socket");
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  Check(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0, "bind");
  Check(listen(listen_fd_, 4096) == 0, "listen");
  socklen_t len = sizeof(addr);
  Check(getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0, "getsockname");
  port_ = ntohs(addr.sin_port);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  gate_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  Check(wake_fd_ >= 0 && gate_fd_ >= 0, "eventfd");
  thread_ = std::thread([this] {
    Loop loop(*this);
    loop.Run();
  });
}

TestHttpServer::~TestHttpServer() {
  uint64_t one = 1;
  Check(write(wake_fd_, &one, sizeof(one)) == sizeof(one), "eventfd write");
  thread_.join();
  close(wake_fd_);
  close(gate_fd_);
  close(listen_fd_);
}

void TestHttpServer::OpenGate() {
  uint64_t one = 1;
  Check(write(gate_fd_, &one, sizeof(one)) == sizeof(one), "eventfd write");
}

std::string TestHttpServer::Url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

TestServerStats TestHttpServer::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void TestHttpServer::Update(const std::function<void(TestServerStats&)>& change) {
  absl::MutexLock lock(&mu_);
  change(stats_);
}

namespace {
struct WaitContext {
  const std::function<bool(const TestServerStats&)>* condition;
  const TestServerStats* stats;
};
bool Holds(WaitContext* context) { return (*context->condition)(*context->stats); }
}  // namespace

bool TestHttpServer::WaitFor(const std::function<bool(const TestServerStats&)>& condition,
                             absl::Duration timeout) const {
  WaitContext context{&condition, &stats_};
  bool held = mu_.LockWhenWithTimeout(absl::Condition(&Holds, &context), timeout);
  mu_.Unlock();
  return held;
}

}  // namespace flowhost::http::testing
