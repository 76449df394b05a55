// Everything the fake's worker threads share: the configuration and catalogue (immutable), and the
// rules and statistics (each internally synchronised). Owned by the Server; outlives its workers.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_STATE_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_STATE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/fake_openrouter/catalogue.h"
#include "tests/fake_openrouter/rule_book.h"
#include "tests/fake_openrouter/stats.h"

namespace flowhost::fake_openrouter {

struct FakeConfig {
  std::vector<std::string> api_keys = {"sk-or-v1-fake"};  // accepted Bearer tokens
  int64_t latency_ms = 0;                                 // added to every chat and models answer
  uint64_t seed = 1;                                      // seeds latency jitter and generation ids
};

struct FakeState {
  FakeState(Catalogue catalogue_in, FakeConfig config_in)
      : catalogue(std::move(catalogue_in)), config(std::move(config_in)) {}

  const Catalogue catalogue;
  const FakeConfig config;
  RuleBook rules;
  Stats stats;
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_FAKE_STATE_H_
