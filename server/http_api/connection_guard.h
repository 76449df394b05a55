// One HTTP connection's timers, around libevent's evhttp_connection: the request deadline (a
// request's head and body must arrive within http_server.request_timeout of the connection's
// opening or of the previous answer, which also bounds a kept-alive connection's idle time: a
// slowloris client dripping bytes is cut, which evhttp's inactivity timeout alone does not do), and
// the watch for the peer closing while an answer is being computed (evhttp reads nothing then, so
// it would not notice until it writes).
//
// A guard is created with the connection's bufferevent (evhttp_set_bevcb): in plain HTTP a
// pass-through filter over the socket whose free callback ends the guard; with TLS libevent's
// OpenSSL bufferevent on the socket, whose SSL object ends the guard when it is freed (an ex_data
// free callback). Either way the guard lives exactly as long as the connection. Cutting a
// connection shuts its socket down; evhttp then sees end-of-file and frees it the ordinary way.
//
// Ownership: owned by its bufferevent (deleted when evhttp frees the connection). Thread-safety:
// the loop thread only.
#ifndef FLOWHOST_SERVER_HTTP_API_CONNECTION_GUARD_H_
#define FLOWHOST_SERVER_HTTP_API_CONNECTION_GUARD_H_

#include <sys/time.h>

#include <cstddef>
#include <functional>
#include <unordered_map>

struct bufferevent;
struct evbuffer;
struct evbuffer_cb_info;
struct event;
struct event_base;
struct evhttp_connection;
struct evhttp_request;
struct ssl_st;

namespace flowhost::http_api {

class ConnectionGuard {
 public:
  // Every guard alive, by its bufferevent (the loop thread's, owned by the gateway).
  using Registry = std::unordered_map<bufferevent*, ConnectionGuard*>;

  // The bufferevent for a new connection, with its guard registered in `registry`; null when
  // libevent cannot make one.
  static bufferevent* Create(event_base* base, Registry& registry, timeval request_timeout);

  // The same for a TLS connection: an OpenSSL bufferevent that takes over `ssl` (its handshake is
  // run as the server's when evhttp gives it the socket). When libevent cannot make one, a
  // bufferevent that reads nothing (the connection is closed by the I/O timeout), never a plain
  // one: a TLS port does not fall back to plain HTTP.
  static bufferevent* CreateTls(event_base* base, Registry& registry, timeval request_timeout,
                                ssl_st* ssl);

  // The guard of `request`'s connection; null when evhttp no longer has one.
  static ConnectionGuard* Of(const Registry& registry, evhttp_request* request);

  // A whole request has arrived: the deadline stops until its answer has been written.
  // `on_written` (optional) runs once that answer is written out (evhttp's completion callback,
  // which the guard owns).
  void RequestArrived(evhttp_request* request,
                      std::function<void(evhttp_request*)> on_written = nullptr);

  // The request is being answered by a call: the peer is watched, and `on_peer_gone` runs if it
  // closes (or evhttp drops the connection) before AnswerFinished.
  void WatchPeer(std::function<void()> on_peer_gone);

  // The answer's head is being sent: evhttp watches the peer from now on (it reads while writing),
  // and reports its going through the connection's close callback.
  void AnswerStarted();

  // The final answer is sent: `on_peer_gone` is dropped.
  void AnswerFinished();

  // The socket's bufferevent: under the filter evhttp uses, or (TLS) the one evhttp uses.
  bufferevent* socket() const { return socket_; }

  // Bytes of answers not yet written to the socket.
  size_t pending_output() const;

  // Ends the guard whose bufferevent is being freed (the filter's free callback, or the SSL
  // object's ex_data free callback). Not for other callers.
  static void OnFreed(void* self);

 private:
  ConnectionGuard(Registry& registry, timeval request_timeout)
      : registry_(registry), request_timeout_(request_timeout) {}
  ~ConnectionGuard();

  std::function<void(evhttp_request*)> on_written_;  // of the request being answered
  void ArmDeadline();
  static void OnDeadline(int fd, short what, void* self);
  static void OnPeerClosed(int fd, short what, void* self);
  static void OnConnectionClosed(evhttp_connection* connection, void* self);
  void ReportPeerGone();
  static void OnAnswerWritten(evhttp_request* request, void* self);
  static void OnOutputAdded(evbuffer* buffer, const evbuffer_cb_info* info, void* self);
  static void OnFlush(int fd, short what, void* self);

  Registry& registry_;
  const timeval request_timeout_;
  bufferevent* bufferevent_ = nullptr;  // the one evhttp uses: the filter, or the OpenSSL one
  bufferevent* socket_ = nullptr;       // the socket's: under the filter, or the OpenSSL one
  event* flush_ = nullptr;              // passes output added before writing was enabled
  event* deadline_ = nullptr;
  event* peer_closed_ = nullptr;  // armed while a request is being answered
  std::function<void()> on_peer_gone_;
};

}  // namespace flowhost::http_api

#endif  // FLOWHOST_SERVER_HTTP_API_CONNECTION_GUARD_H_
