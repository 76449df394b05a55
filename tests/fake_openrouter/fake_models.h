// The built-in `fake/*` model ids: scripted upstream behaviour chosen by the model id alone, so a
// test (or a workflow file) can ask for a failure without any control call. They cost nothing, are
// not listed in the served catalogue, and have a context length of 32768 tokens unless said
// otherwise:
//
//   fake/ok              answers normally
//   fake/scripted        answers normally (an id for tests to aim control rules at)
//   fake/reasoning       answers normally and supports `reasoning`
//   fake/tiny-context    answers normally; context length 64 tokens
//   fake/slow            answers after 1000 ms;  fake/slow-<N> answers after N ms
//   fake/fail<S>         fails with status S, S in 402 403 408 429 500 502 503 (429 sets
//                        Retry-After: 1)
//   fake/malformed       200 with invalid JSON
//   fake/hang            accepts the request and never answers
//   fake/hang-headers    sends the response head and never the body
//   fake/stream-error    streams 2 content chunks, then a mid-stream error event
//   fake/reset           sends 32 body bytes, then resets the connection
//   fake/oversized       a 200 body of 8 MiB
//   fake/drip            streams 10 content chunks 100 ms apart (a body in 10 pieces unstreamed)
//
// Pure functions; safe from any thread.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_MODELS_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_MODELS_H_

#include <optional>
#include <string_view>

#include "tests/fake_openrouter/behavior.h"
#include "tests/fake_openrouter/catalogue.h"

namespace flowhost::fake_openrouter {

struct FakeModel {
  ModelInfo info;
  Behavior behavior;
};

// The built-in fake model with this id, or nullopt when `id` is not one of them.
std::optional<FakeModel> FindFakeModel(std::string_view id);

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_MODELS_H_
