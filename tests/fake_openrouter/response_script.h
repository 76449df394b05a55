// A response as a script: the exact bytes to send, the pauses between them, and how it ends
// (finish, hang forever, or reset the TCP connection). Handlers build a script without doing any
// I/O; a connection (server.cc) plays it. This keeps every scripted upstream failure a plain value
// that is easy to build and to test.
//
// ScriptBuilder frames the body: Content-Length for a fixed body, chunked transfer encoding for a
// stream (or a close-delimited body for HTTP/1.0 clients), and cuts the body short when the
// response is to reset the connection after a number of body bytes.
//
// Plain values; one thread at a time.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_RESPONSE_SCRIPT_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_RESPONSE_SCRIPT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/fake_openrouter/http_request.h"

namespace flowhost::fake_openrouter {

struct ScriptStep {
  enum class Kind {
    kWrite,   // send `bytes`
    kFill,    // send `count` filler bytes ('x'), produced as the socket drains
    kWait,    // pause `count` milliseconds
    kReset,   // once everything before has been sent, reset the connection (SO_LINGER 0)
    kHang,    // never go on; the connection stays open until the client leaves
    kFinish,  // the response is complete
  };
  Kind kind;
  std::string bytes;
  int64_t count = 0;
};

struct ResponseScript {
  int status = 200;
  bool close_after = false;  // close the connection once the response is complete
  // The Retry-After window the answer announces (a whole number of seconds), from when the
  // request was handled: its latency plus the delay (for the stats' calls inside a window).
  std::optional<int64_t> retry_after_window_ms;
  std::vector<ScriptStep> steps;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class ScriptBuilder {
 public:
  // `request` decides the framing (HTTP/1.0 or 1.1) and whether the connection is kept alive.
  explicit ScriptBuilder(const HttpRequest& request);

  // From now on, after `bytes` body bytes the response resets the connection. Call before Start*.
  void ResetAfterBodyBytes(int64_t bytes) { reset_budget_ = bytes; }

  // Starts a response whose body is exactly `content_length` bytes.
  void StartFixed(int status, std::string_view content_type, int64_t content_length,
                  const Headers& extra = {});
  // Starts a response whose length is not known in advance (a stream).
  void StartStream(int status, std::string_view content_type, const Headers& extra = {});

  // Appends body bytes (framed as a chunk in a stream).
  void Body(std::string_view bytes);
  // Appends `count` filler bytes to a fixed body.
  void Filler(int64_t count);
  // Pauses; zero is a no-op.
  void Wait(int64_t ms);
  // Ends the response here without finishing it.
  void Hang();

  // Ends the body (the last chunk of a stream) and returns the script. After a reset or a hang, the
  // script simply ends there.
  ResponseScript Finish();

  // A complete fixed-length response in one call.
  static ResponseScript Simple(const HttpRequest& request, int status,
                               std::string_view content_type, std::string_view body,
                               const Headers& extra = {});

 private:
  void StartHead(int status, std::string_view content_type, std::optional<int64_t> length,
                 const Headers& extra);
  // Takes up to `wanted` bytes of the reset budget; returns how many may be sent.
  int64_t TakeBudget(int64_t wanted);
  void MaybeReset();

  ResponseScript script_;
  bool http10_;
  bool keep_alive_;
  bool chunked_ = false;
  bool ended_ = false;  // a reset or a hang was appended: ignore the rest
  std::optional<int64_t> reset_budget_;
};

// The reason phrase for a status code ("OK", "Too Many Requests", ...).
std::string_view ReasonPhrase(int status);

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_RESPONSE_SCRIPT_H_
