#include "server/http_api/connection_guard.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <utility>

namespace flowhost::http_api {
namespace {

constexpr size_t kSocketOutputHighWater = 256 << 10;

// The filter moves input through unchanged (whole buffer chains, no copy).
bufferevent_filter_result PassInput(evbuffer* source, evbuffer* destination, ev_ssize_t limit,
                                    bufferevent_flush_mode, void*) {
  size_t available = evbuffer_get_length(source);
  size_t take = limit < 0 ? available : std::min(available, static_cast<size_t>(limit));
  evbuffer_remove_buffer(source, destination, take);
  return BEV_OK;
}

// Output goes straight to the socket when nothing older waits in the socket's buffer, and only
// what the socket does not take now waits there. A filter reports output as written once it has
// passed it on, and evhttp closes a Connection: close connection (shutting the socket down for
// writing first) as soon as its answer is written: passed-on bytes still in the socket's buffer
// would be lost.
bufferevent_filter_result PassOutput(evbuffer* source, evbuffer* destination, ev_ssize_t limit,
                                     bufferevent_flush_mode, void* self) {
  int fd = bufferevent_getfd(static_cast<ConnectionGuard*>(self)->socket());
  if (fd >= 0 && evbuffer_get_length(destination) == 0) {
    while (evbuffer_get_length(source) > 0) {
      if (evbuffer_write(source, fd) <= 0) break;  // full (EAGAIN) or failed: the socket says
    }
  }
  size_t available = evbuffer_get_length(source);
  size_t take = limit < 0 ? available : std::min(available, static_cast<size_t>(limit));
  evbuffer_remove_buffer(source, destination, take);
  return BEV_OK;
}

// The guard of a TLS connection rides on its SSL object, and ends when OpenSSL frees it (libevent
// frees the SSL object when it frees the connection's bufferevent).
void FreeGuardWithSsl(void*, void* guard, CRYPTO_EX_DATA*, int, long, void*) {
  if (guard != nullptr) ConnectionGuard::OnFreed(guard);
}

int GuardIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &FreeGuardWithSsl);
  return index;
}

// Input of a connection that could not be given TLS: dropped unread, so no request is ever taken.
bufferevent_filter_result DropInput(evbuffer* source, evbuffer*, ev_ssize_t, bufferevent_flush_mode,
                                    void*) {
  evbuffer_drain(source, evbuffer_get_length(source));
  return BEV_OK;
}

bufferevent* RefusingBufferevent(event_base* base) {
  bufferevent* socket = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (socket == nullptr) return nullptr;
  bufferevent* filter =
      bufferevent_filter_new(socket, DropInput, nullptr, BEV_OPT_CLOSE_ON_FREE, nullptr, nullptr);
  if (filter == nullptr) bufferevent_free(socket);
  return filter;
}

}  // namespace

bufferevent* ConnectionGuard::CreateTls(event_base* base, Registry& registry,
                                        timeval request_timeout, ssl_st* ssl) {
  int index = GuardIndex();
  if (ssl == nullptr || index < 0) {
    if (ssl != nullptr) SSL_free(ssl);
    return RefusingBufferevent(base);
  }
  auto* guard = new ConnectionGuard(registry, request_timeout);
  SSL_set_ex_data(ssl, index, guard);  // from here freeing `ssl` ends the guard
  bufferevent* tls = bufferevent_openssl_socket_new(
      base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
  if (tls == nullptr) {
    SSL_free(ssl);
    return RefusingBufferevent(base);
  }
  // A client that closes without TLS's close_notify has simply left, as over plain HTTP.
  bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
  // The OpenSSL bufferevent reports output as written once OpenSSL has handed it to the socket,
  // so it needs none of the filter's care below.
  guard->bufferevent_ = tls;
  guard->socket_ = tls;
  guard->deadline_ = evtimer_new(base, &ConnectionGuard::OnDeadline, guard);
  registry[tls] = guard;
  guard->ArmDeadline();
  return tls;
}

bufferevent* ConnectionGuard::Create(event_base* base, Registry& registry,
                                     timeval request_timeout) {
  bufferevent* socket = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (socket == nullptr) return nullptr;
  auto* guard = new ConnectionGuard(registry, request_timeout);
  // Deferred callbacks: the filter moves output on at once, and evhttp expects its write callback
  // only after it has set it (and after the call that queued the output has returned).
  bufferevent* filter = bufferevent_filter_new(
      socket, PassInput, PassOutput, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS,
      &ConnectionGuard::OnFreed, guard);
  if (filter == nullptr) {
    bufferevent_free(socket);
    delete guard;
    return nullptr;
  }
  // The filter holds output back while the socket has this much unwritten, so "written" (evhttp's
  // write callback, the stream's flow control) means near the socket.
  bufferevent_setwatermark(socket, EV_WRITE, 0, kSocketOutputHighWater);
  guard->bufferevent_ = filter;
  guard->socket_ = socket;
  guard->deadline_ = evtimer_new(base, &ConnectionGuard::OnDeadline, guard);
  guard->flush_ = event_new(base, -1, 0, &ConnectionGuard::OnFlush, guard);
  evbuffer_add_cb(bufferevent_get_output(filter), &ConnectionGuard::OnOutputAdded, guard);
  registry[filter] = guard;
  guard->ArmDeadline();
  return filter;
}

ConnectionGuard* ConnectionGuard::Of(const Registry& registry, evhttp_request* request) {
  evhttp_connection* connection = evhttp_request_get_connection(request);
  if (connection == nullptr) return nullptr;
  auto it = registry.find(evhttp_connection_get_bufferevent(connection));
  return it == registry.end() ? nullptr : it->second;
}

ConnectionGuard::~ConnectionGuard() {
  registry_.erase(bufferevent_);
  if (on_peer_gone_) std::move(on_peer_gone_)();
  if (deadline_ != nullptr) event_free(deadline_);
  if (flush_ != nullptr) event_free(flush_);
  if (peer_closed_ != nullptr) event_free(peer_closed_);
}

void ConnectionGuard::ArmDeadline() {
  if (deadline_ != nullptr) evtimer_add(deadline_, &request_timeout_);
}

void ConnectionGuard::RequestArrived(evhttp_request* request,
                                     std::function<void(evhttp_request*)> on_written) {
  evtimer_del(deadline_);
  on_written_ = std::move(on_written);
  evhttp_request_set_on_complete_cb(request, &ConnectionGuard::OnAnswerWritten, this);
  evhttp_connection_set_closecb(evhttp_request_get_connection(request),
                                &ConnectionGuard::OnConnectionClosed, this);
}

void ConnectionGuard::WatchPeer(std::function<void()> on_peer_gone) {
  on_peer_gone_ = std::move(on_peer_gone);
  int fd = bufferevent_getfd(bufferevent_);
  if (fd < 0) return;
  if (peer_closed_ == nullptr) {
    // EV_CLOSED: epoll's EPOLLRDHUP, the peer's FIN, without reading what else it may have sent.
    peer_closed_ = event_new(bufferevent_get_base(bufferevent_), fd, EV_CLOSED,
                             &ConnectionGuard::OnPeerClosed, this);
  }
  if (peer_closed_ != nullptr) event_add(peer_closed_, nullptr);
}

void ConnectionGuard::AnswerStarted() {
  if (peer_closed_ != nullptr) event_del(peer_closed_);
}

void ConnectionGuard::AnswerFinished() {
  if (peer_closed_ != nullptr) event_del(peer_closed_);
  on_peer_gone_ = nullptr;
}

size_t ConnectionGuard::pending_output() const {
  size_t pending = evbuffer_get_length(bufferevent_get_output(bufferevent_));
  if (socket_ != bufferevent_) pending += evbuffer_get_length(bufferevent_get_output(socket_));
  return pending;
}

void ConnectionGuard::ReportPeerGone() {
  if (peer_closed_ != nullptr) event_del(peer_closed_);
  std::function<void()> gone = std::move(on_peer_gone_);
  on_peer_gone_ = nullptr;
  if (gone) gone();
}

void ConnectionGuard::OnConnectionClosed(evhttp_connection*, void* self) {
  static_cast<ConnectionGuard*>(self)->ReportPeerGone();
}

void ConnectionGuard::OnDeadline(int, short, void* self) {
  auto* guard = static_cast<ConnectionGuard*>(self);
  int fd = bufferevent_getfd(guard->bufferevent_);
  // evhttp reads end-of-file next and frees the connection (and with it this guard).
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
}

void ConnectionGuard::OnPeerClosed(int, short, void* self) {
  static_cast<ConnectionGuard*>(self)->ReportPeerGone();
}

void ConnectionGuard::OnAnswerWritten(evhttp_request* request, void* self) {
  auto* guard = static_cast<ConnectionGuard*>(self);
  guard->ArmDeadline();
  if (guard->on_written_) std::exchange(guard->on_written_, nullptr)(request);
}

void ConnectionGuard::OnOutputAdded(evbuffer*, const evbuffer_cb_info* info, void* self) {
  auto* guard = static_cast<ConnectionGuard*>(self);
  if (info->n_added > 0 && guard->flush_ != nullptr) event_active(guard->flush_, 0, 0);
}

void ConnectionGuard::OnFlush(int, short, void* self) {
  // evhttp adds an answer to the output before it enables writing, and a filter moves output on
  // only when data arrives while writing is enabled: pass it on now that it is.
  auto* guard = static_cast<ConnectionGuard*>(self);
  bufferevent_flush(guard->bufferevent_, EV_WRITE, BEV_NORMAL);
}

void ConnectionGuard::OnFreed(void* self) {
  delete static_cast<ConnectionGuard*>(self);
}

}  // namespace flowhost::http_api
