// Routes one parsed request to its answer: the OpenRouter API (`/api/v1/models`,
// `/api/v1/chat/completions`, also accepted without the `/api` prefix), the control plane
// (`/_control/...`) and `/healthz`. Keeps the statistics of API requests it starts; the connection
// reports when each one ends.
//
// One RequestHandler per worker thread (it owns that thread's random generator); the FakeState it
// points to is shared.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_REQUEST_HANDLER_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_REQUEST_HANDLER_H_

#include <cstdint>
#include <random>

#include "tests/fake_openrouter/fake_state.h"
#include "tests/fake_openrouter/http_request.h"
#include "tests/fake_openrouter/response_script.h"

namespace flowhost::fake_openrouter {

struct HandledRequest {
  ResponseScript script;
  bool is_api = false;  // counted in the API statistics: report its end to Stats::ApiRequestEnded
};

class RequestHandler {
 public:
  RequestHandler(FakeState* state, uint64_t seed) : state_(state), rng_(seed) {}

  HandledRequest Handle(const HttpRequest& request);

 private:
  ResponseScript HandleControl(const HttpRequest& request, std::string_view path);
  ResponseScript HandleApi(const HttpRequest& request, std::string_view route,
                           std::string* requested_model);

  FakeState* state_;
  std::mt19937_64 rng_;
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_REQUEST_HANDLER_H_
