#include "server/store/sqlite/folded_rows.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/json.h"
#include "server/store/row_codec.h"

namespace flowhost::store {
namespace {

constexpr std::string_view kMagic = "FR1";

// Integers as zigzag varints: small ones (counts, lengths, codes) take one byte.
void PutInt(std::string& out, int64_t value) {
  uint64_t bits = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  while (bits >= 0x80) {
    out.push_back(static_cast<char>((bits & 0x7f) | 0x80));
    bits >>= 7;
  }
  out.push_back(static_cast<char>(bits));
}
void PutText(std::string& out, std::string_view text) {
  PutInt(out, static_cast<int64_t>(text.size()));
  out.append(text);
}
void PutDouble(std::string& out, double value) {
  char bytes[sizeof(double)];
  std::memcpy(bytes, &value, sizeof(bytes));
  out.append(bytes, sizeof(bytes));
}
// A time as microseconds, or the smallest integer for "not yet".
void PutTime(std::string& out, absl::Time time) {
  PutInt(out, ToMicros(time).value_or(INT64_MIN));
}

// Reads the blob front to back; any read past its end marks it broken.
class FoldedReader {
 public:
  explicit FoldedReader(std::string_view blob) : rest_(blob) {}
  bool broken() const { return broken_; }
  bool done() const { return rest_.empty(); }
  int64_t Int() {
    uint64_t bits = 0;
    for (int shift = 0;; shift += 7) {
      if (rest_.empty() || shift > 63) return Broken();
      auto byte = static_cast<unsigned char>(rest_.front());
      rest_.remove_prefix(1);
      bits |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    return static_cast<int64_t>(bits >> 1) ^ -static_cast<int64_t>(bits & 1);
  }
  std::string Text() {
    int64_t size = Int();
    if (broken_ || size < 0 || static_cast<uint64_t>(size) > rest_.size()) {
      Broken();
      return "";
    }
    std::string text(rest_.substr(0, static_cast<size_t>(size)));
    rest_.remove_prefix(static_cast<size_t>(size));
    return text;
  }
  double Double() {
    double value = 0;
    if (rest_.size() < sizeof(value)) return static_cast<double>(Broken());
    std::memcpy(&value, rest_.data(), sizeof(value));
    rest_.remove_prefix(sizeof(value));
    return value;
  }
  absl::Time Time() {
    int64_t micros = Int();
    return micros == INT64_MIN ? absl::InfinitePast() : FromMicros(micros);
  }
  // A count of entries that each take at least `min_bytes`: one the blob cannot hold is broken.
  int64_t Count(size_t min_bytes) {
    int64_t count = Int();
    if (count < 0 || static_cast<uint64_t>(count) > rest_.size() / min_bytes) return Broken();
    return count;
  }

 private:
  int64_t Broken() {
    broken_ = true;
    rest_ = {};
    return 0;
  }
  std::string_view rest_;
  bool broken_ = false;
};

absl::Status FoldedStatus(int64_t code, std::string message) {
  if (code == 0) return absl::OkStatus();
  if (code < 0 || code > 16) code = static_cast<int64_t>(absl::StatusCode::kUnknown);
  return absl::Status(static_cast<absl::StatusCode>(code), sdk::AsAbsl(message));
}

}  // namespace

std::string EncodeFoldedRows(std::span<const NodeRow> nodes, std::span<const EventRow> events) {
  std::string out(kMagic);
  PutInt(out, static_cast<int64_t>(nodes.size()));
  for (const NodeRow& n : nodes) {
    PutText(out, n.name);
    PutText(out, n.type);
    PutText(out, NodeStateName(n.state));
    PutInt(out, n.attempts);
    PutTime(out, n.started_at);
    PutTime(out, n.finished_at);
    PutInt(out, n.items_in);
    PutInt(out, n.items_out);
    PutInt(out, static_cast<int64_t>(n.error.code()));
    PutText(out, std::string_view(n.error.message().data(), n.error.message().size()));
    PutInt(out, n.totals.prompt_tokens);
    PutInt(out, n.totals.completion_tokens);
    PutDouble(out, n.totals.cost_usd);
    PutText(out, n.output_json);
    PutInt(out, n.output_truncated ? 1 : 0);
  }
  PutInt(out, static_cast<int64_t>(events.size()));
  for (const EventRow& e : events) {
    PutInt(out, e.sequence);
    PutTime(out, e.at);
    PutText(out, e.kind);
    PutText(out, e.payload);
  }
  return out;
}

absl::StatusOr<FoldedRows> DecodeFoldedRows(std::string_view blob,
                                            const std::string& execution_id) {
  FoldedRows rows;
  if (blob.empty()) return rows;
  auto corrupt = [&](const std::string& what) {
    return absl::DataLossError("execution store: execution " + execution_id +
                               ": column executions.folded_rows " + what +
                               " (a corrupted row; restore it from a backup or delete the "
                               "execution)");
  };
  if (blob.substr(0, kMagic.size()) != kMagic) return corrupt("is not a folded-rows blob");
  FoldedReader in(blob.substr(kMagic.size()));
  // A node takes at least 22 bytes (15 fields, its cost 8 bytes), an event 4.
  int64_t node_count = in.Count(22);
  for (int64_t i = 0; i < node_count && !in.broken(); ++i) {
    NodeRow n;
    n.name = in.Text();
    n.type = in.Text();
    std::string state = in.Text();
    n.attempts = static_cast<int>(in.Int());
    n.started_at = in.Time();
    n.finished_at = in.Time();
    n.items_in = in.Int();
    n.items_out = in.Int();
    int64_t code = in.Int();
    n.error = FoldedStatus(code, in.Text());
    n.totals.prompt_tokens = in.Int();
    n.totals.completion_tokens = in.Int();
    n.totals.cost_usd = in.Double();
    n.output_json = in.Text();
    n.output_truncated = in.Int() != 0;
    if (in.broken()) break;
    std::optional<NodeState> parsed = ParseNodeState(state);
    if (!parsed) {
      return corrupt("holds node '" + n.name + "' with an unknown state '" + state + "'");
    }
    n.state = *parsed;
    if (!n.output_json.empty() && !sdk::Json::accept(n.output_json)) {
      return corrupt("holds node '" + n.name + "' whose output is not valid JSON");
    }
    rows.nodes.push_back(std::move(n));
  }
  int64_t event_count = in.broken() ? 0 : in.Count(4);
  for (int64_t i = 0; i < event_count && !in.broken(); ++i) {
    EventRow e;
    e.sequence = in.Int();
    e.at = in.Time();
    e.kind = in.Text();
    e.payload = in.Text();
    rows.events.push_back(std::move(e));
  }
  if (in.broken() || !in.done()) return corrupt("is cut short or has bytes past its end");
  return rows;
}

void MergeFoldedNodes(std::vector<NodeRow>& nodes, std::vector<NodeRow> folded) {
  for (NodeRow& node : folded) {
    bool replaced = false;
    for (NodeRow& existing : nodes) {
      if (existing.name == node.name) {
        existing = std::move(node);
        replaced = true;
        break;
      }
    }
    if (!replaced) nodes.push_back(std::move(node));
  }
}

}  // namespace flowhost::store
