// An HTTP/1.x request as the fake OpenRouter server sees it, and the parser that cuts one request
// out of the bytes a connection has received so far.
//
// The parser is a pure function over a contiguous view of the input: it either finds a complete
// request (head and body) at the start of the view, says that more bytes are needed, or rejects the
// input with the HTTP status to answer. It keeps no state between calls, so a connection simply
// calls it again when more bytes arrive. Bodies may be sized by Content-Length or sent chunked.
// Safe to call from any thread.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_HTTP_REQUEST_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_HTTP_REQUEST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowhost::fake_openrouter {

// One parsed request. Owned by the connection that read it.
struct HttpRequest {
  std::string method;
  std::string target;     // the request target as sent, e.g. "/api/v1/models?x=1"
  std::string path;       // target without the query string
  int version_minor = 1;  // HTTP/1.<version_minor>
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;
  bool keep_alive = true;         // the connection stays open after the response
  bool expects_continue = false;  // the client sent "Expect: 100-continue"

  // Returns the value of the first header named `name` (case-insensitive), or nullptr.
  const std::string* FindHeader(std::string_view name) const;
};

struct ParseLimits {
  size_t max_head_bytes = 64 * 1024;
  size_t max_body_bytes = 64 * 1024 * 1024;
};

enum class ParseState {
  kNeedMore,  // no complete request yet; `head_complete` says whether the head was seen
  kComplete,  // `request` holds a request that used the first `consumed` bytes
  kError,     // the input is not acceptable; answer `error_status` and close
};

struct ParseOutcome {
  ParseState state = ParseState::kNeedMore;
  size_t consumed = 0;
  bool head_complete = false;     // only meaningful with kNeedMore
  bool expects_continue = false;  // with kNeedMore and a complete head: send "100 Continue"
  int error_status = 0;
  std::string error_message;
};

// Parses the request at the start of `input` into `*request` (overwritten only on kComplete).
ParseOutcome ParseRequest(std::string_view input, const ParseLimits& limits, HttpRequest* request);

// Case-insensitive ASCII comparison of header names and tokens.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_HTTP_REQUEST_H_
