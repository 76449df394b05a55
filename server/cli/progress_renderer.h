// How `flowhost run` and `flowhost call` show an execution on stderr, so both speak the same
// words: one line per node start and end ("  answer: succeeded, 5 item(s) in 12 ms, model m,
// $0.000100"), the status words of the execution record ("succeeded", "failed", "skipped",
// "disabled", "cancelled", "not_run"), and with --stream the text LLM nodes write.
//
// Streamed text is rendered per item, each line labelled with its node and item
// ("  answer[2] > ..."). One item's text is written as it arrives (the live item); the text other
// items write meanwhile is held, and written as labelled lines when their node ends. So the text
// of two items never shares a line, and a label always names whose text follows it. When a router
// discards an attempt's text (a tokens_reset), held text is dropped and written text is followed
// by a "  answer[0] x discarded: ..." line, so what follows the mark is the answer.
//
// Thread-compatible: the caller serialises calls (run's observer holds a mutex; call reads one
// stream on one thread).
#ifndef FLOWHOST_SERVER_CLI_PROGRESS_RENDERER_H_
#define FLOWHOST_SERVER_CLI_PROGRESS_RENDERER_H_

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace flowhost::cli {

// What a node's end line shows.
struct NodeOutcome {
  std::string name;
  std::string status;  // the execution record's word: "succeeded", "failed", ...
  int64_t items_out = 0;
  absl::Duration duration;
  int attempts = 1;
  std::string model;
  double cost_usd = 0;
  std::string error_class;    // set when the node failed or was cancelled
  std::string error_message;  // idem
  std::string location;       // "FILE:LINE" of the node in its workflow, when known
};

// Totals of a finished execution, for the last line.
struct ExecutionTotals {
  absl::Duration duration;
  int64_t items = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
};

// The word for how an execution ended, the same for `run` and `call`: "succeeded", "failed",
// "cancelled", "deadline_exceeded" (ExecutionStatus's names in lower case).
std::string ExecutionStatusWord(absl::StatusCode code);

class ProgressRenderer {
 public:
  explicit ProgressRenderer(std::ostream& err) : err_(err) {}
  ~ProgressRenderer() { FlushAll(); }

  void NodeStarted(std::string_view node, int attempt);
  // `kind` other than "content" (the model's reasoning) is not shown.
  void TokenDelta(std::string_view node, int64_t item, std::string_view text,
                  std::string_view kind);
  // The item's text from `route`'s attempt is void (a router moved on after it streamed): text
  // still held is dropped; text already written is marked with a line saying so.
  void TokensReset(std::string_view node, int64_t item, int attempt, std::string_view route);
  void NodeEnded(const NodeOutcome& outcome);
  // Writes whatever text is still held (the stream ended).
  void FlushAll();

  // "flowhost: 'ask' succeeded: 12 ms, 1 item(s), 10+20 tokens, $0.000000"
  static std::string SucceededLine(std::string_view workflow, const ExecutionTotals& totals);
  // "flowhost: 'ask' failed at node 'answer' (ask.yaml:9) (upstream): the message"
  static std::string FailedLine(std::string_view workflow, std::string_view status_word,
                                std::string_view node, std::string_view location,
                                std::string_view error_class, std::string_view message);
  // "12 ms, 1 item(s), 10+20 tokens, $0.000000"
  static std::string Totals(const ExecutionTotals& totals);

 private:
  using ItemKey = std::pair<std::string, int64_t>;  // node, item

  // Ends the live line, if any.
  void EndLiveLine();
  // Writes `text` for `key` as labelled lines; `open` says whether a line of it is already begun.
  void WriteLabelled(const ItemKey& key, std::string_view text, bool& open);
  // Writes and forgets the held text of `node`'s items (every node when empty).
  void FlushHeld(std::string_view node);

  std::ostream& err_;
  bool has_live_ = false;
  ItemKey live_;
  bool live_open_ = false;               // a line of the live item is begun and not ended
  std::map<ItemKey, std::string> held_;  // text of items that are not live, in item order
};

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_PROGRESS_RENDERER_H_
