#include "server/cli/progress_renderer.h"

#include "absl/strings/str_format.h"

namespace flowhost::cli {

std::string ExecutionStatusWord(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "succeeded";
    case absl::StatusCode::kCancelled:
      return "cancelled";
    case absl::StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    default:
      return "failed";
  }
}

void ProgressRenderer::NodeStarted(std::string_view node, int attempt) {
  EndLiveLine();
  err_ << "  " << node << ": started";
  if (attempt > 1) err_ << " (attempt " << attempt << ")";
  err_ << "\n";
}

void ProgressRenderer::TokenDelta(std::string_view node, int64_t item, std::string_view text,
                                  std::string_view kind) {
  if (kind != "content" || text.empty()) return;
  ItemKey key(std::string(node), item);
  if (!has_live_) {
    has_live_ = true;
    live_ = key;
    live_open_ = false;
    if (auto held = held_.find(key); held != held_.end()) {  // it was held: its text so far first
      WriteLabelled(key, held->second, live_open_);
      held_.erase(held);
    }
  }
  if (key == live_) {
    WriteLabelled(key, text, live_open_);
    err_.flush();
    return;
  }
  held_[key].append(text);
}

void ProgressRenderer::TokensReset(std::string_view node, int64_t item, int attempt,
                                   std::string_view route) {
  ItemKey key(std::string(node), item);
  held_.erase(key);
  if (!has_live_ || key != live_) return;
  EndLiveLine();
  err_ << "  " << node << "[" << item << "] x discarded: the text above, from route '" << route
       << "' (attempt " << attempt << "), which failed after it began\n";
  err_.flush();
}

void ProgressRenderer::NodeEnded(const NodeOutcome& outcome) {
  EndLiveLine();
  if (has_live_ && live_.first == outcome.name) has_live_ = false;
  FlushHeld(outcome.name);
  err_ << "  " << outcome.name << ": " << outcome.status;
  if (outcome.status == "succeeded" || outcome.status == "failed") {
    err_ << absl::StrFormat(", %d item(s) in %.0f ms", outcome.items_out,
                            absl::ToDoubleMilliseconds(outcome.duration));
  }
  if (outcome.attempts > 1) err_ << ", " << outcome.attempts << " attempts";
  if (!outcome.model.empty()) err_ << ", model " << outcome.model;
  if (outcome.cost_usd > 0) err_ << absl::StrFormat(", $%.6f", outcome.cost_usd);
  if (!outcome.error_message.empty() || !outcome.error_class.empty()) {
    err_ << "\n    ";
    if (!outcome.location.empty()) err_ << outcome.location << ": ";
    err_ << outcome.error_class << ": " << outcome.error_message;
  }
  err_ << "\n";
}

void ProgressRenderer::FlushAll() {
  EndLiveLine();
  has_live_ = false;
  FlushHeld("");
}

void ProgressRenderer::EndLiveLine() {
  if (live_open_) err_ << "\n";
  live_open_ = false;
}

void ProgressRenderer::WriteLabelled(const ItemKey& key, std::string_view text, bool& open) {
  while (!text.empty()) {
    if (!open) {
      err_ << "  " << key.first << "[" << key.second << "] > ";
      open = true;
    }
    size_t newline = text.find('\n');
    if (newline == std::string_view::npos) {
      err_ << text;
      return;
    }
    err_ << text.substr(0, newline) << "\n";
    open = false;
    text.remove_prefix(newline + 1);
  }
}

void ProgressRenderer::FlushHeld(std::string_view node) {
  for (auto it = held_.begin(); it != held_.end();) {
    if (!node.empty() && it->first.first != node) {
      ++it;
      continue;
    }
    bool open = false;
    WriteLabelled(it->first, it->second, open);
    if (open) err_ << "\n";
    it = held_.erase(it);
  }
}

std::string ProgressRenderer::Totals(const ExecutionTotals& totals) {
  return absl::StrFormat("%.0f ms, %d item(s), %d+%d tokens, $%.6f",
                         absl::ToDoubleMilliseconds(totals.duration), totals.items,
                         totals.prompt_tokens, totals.completion_tokens, totals.cost_usd);
}

std::string ProgressRenderer::SucceededLine(std::string_view workflow,
                                            const ExecutionTotals& totals) {
  return "flowhost: '" + std::string(workflow) + "' succeeded: " + Totals(totals);
}

std::string ProgressRenderer::FailedLine(std::string_view workflow, std::string_view status_word,
                                         std::string_view node, std::string_view location,
                                         std::string_view error_class, std::string_view message) {
  std::string line = "flowhost: '" + std::string(workflow) + "' " + std::string(status_word);
  if (!node.empty()) {
    line += " at node '" + std::string(node) + "'";
    if (!location.empty()) line += " (" + std::string(location) + ")";
  }
  line += " (" + std::string(error_class) + "): " + std::string(message);
  return line;
}

}  // namespace flowhost::cli
