// One accepted TCP connection of the fake server: reads HTTP/1.x requests one at a time, hands each
// to the worker's RequestHandler and plays the returned ResponseScript (writes, timed pauses,
// filler produced as the socket drains, a hang, or a reset with SO_LINGER 0). Keep-alive and
// pipelined requests are served in order. While a response is in progress the connection keeps
// reading, so it notices at once when the client goes away and counts the request as aborted.
//
// A Connection owns itself: it is created on accept and deletes itself when it closes. It lives on
// its worker's event loop thread and is touched only from that thread.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_CONNECTION_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_CONNECTION_H_

#include <event2/bufferevent.h>
#include <event2/event.h>

#include <cstdint>
#include <unordered_set>

#include "tests/fake_openrouter/http_request.h"
#include "tests/fake_openrouter/request_handler.h"
#include "tests/fake_openrouter/response_script.h"
#include "tests/fake_openrouter/stats.h"

namespace flowhost::fake_openrouter {

class Connection;

// What a worker lends its connections. Owned by the worker; outlives them.
struct ConnectionContext {
  event_base* base = nullptr;
  RequestHandler* handler = nullptr;
  Stats* stats = nullptr;
  ParseLimits limits;
  std::unordered_set<Connection*> live;  // every open connection, for shutdown
};

class Connection {
 public:
  // Serves the accepted socket `fd` (takes ownership).
  static void Accept(ConnectionContext* context, evutil_socket_t fd);

  // Closes and deletes the connection without counting anything; for server shutdown.
  void Destroy();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

 private:
  enum class Phase { kReading, kPlaying, kClosing };

  Connection(ConnectionContext* context, bufferevent* bev);
  ~Connection() = default;

  static void OnRead(bufferevent* bev, void* arg);
  static void OnWrite(bufferevent* bev, void* arg);
  static void OnEvent(bufferevent* bev, short events, void* arg);
  static void OnTimer(evutil_socket_t fd, short events, void* arg);
  // Deletes the connection if a callback closed it.
  static void Collect(Connection* connection);

  // Serves as far as possible: plays the current response, then parses the next request, and so on.
  void Resume();
  // Starts the next buffered request, if a complete one is there; false otherwise.
  bool StartNextRequest();
  void StartResponse(ResponseScript script, bool is_api);
  // Plays the current script; true when it finished and the connection reads again.
  bool Play();
  // Asks for OnWrite once the output buffer holds at most `low_water` bytes.
  void WaitForDrain(size_t low_water);
  void EndResponse(bool aborted);
  void ResetAndClose();
  void Close();

  ConnectionContext* context_;
  bufferevent* bev_;
  event* timer_;
  Phase phase_ = Phase::kReading;
  ResponseScript script_;
  size_t step_ = 0;
  int64_t fill_left_ = -1;  // filler bytes left in the current kFill step; -1 before it starts
  bool waiting_for_drain_ = false;
  bool response_open_ = false;  // counted as in flight, not yet ended
  bool response_is_api_ = false;
  bool continue_sent_ = false;
  bool closed_ = false;
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_CONNECTION_H_
