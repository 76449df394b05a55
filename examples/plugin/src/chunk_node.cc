#include "chunk_node.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chunker.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_bytes.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/output_schema.h"

namespace textkit {
namespace {

using flowhost::sdk::Json;
using flowhost::sdk::NodeContext;
using flowhost::sdk::NodeDone;

constexpr const char* kSchema = R"({
  "type": "object",
  "properties": {
    "field": {"type": "string", "default": "text", "minLength": 1,
              "description": "The item field holding the text to split."},
    "size": {"type": "integer", "default": 1000, "minimum": 1, "maximum": 1000000,
             "description": "At most this many characters (Unicode code points) per chunk."},
    "overlap": {"type": "integer", "default": 100, "minimum": 0,
                "description": "Characters each chunk repeats from the end of the previous one; less than size."},
    "keep_fields": {"type": "boolean", "default": true,
                    "description": "Copy the item's other fields into each chunk's item."}
  },
  "additionalProperties": false
})";

// The fields every chunk's item gets.
const std::vector<std::string> kChunkFields = {"chunk", "chunk_index", "chunk_count",
                                               "source_index"};

class ChunkNode : public flowhost::sdk::Node {
 public:
  explicit ChunkNode(Json output_schema) : output_schema_(std::move(output_schema)) {}

  // What the loader checks `$json.x` downstream against: the chunk fields, plus the input item's
  // fields with keep_fields.
  std::optional<Json> output_schema() const override { return output_schema_; }

  void Execute(NodeContext& context, NodeDone done) const override {
    flowhost::sdk::Items out;
    const flowhost::sdk::Items& items = context.inputs()[0];
    for (size_t i = 0; i < items.size(); ++i) {
      absl::StatusOr<Json> params = context.params().ForItem(i);
      if (!params.ok()) return done(params.status());
      absl::Status status = ChunkItem(context, items[i], i, *params, out);
      if (!status.ok()) return done(status);
    }
    done(flowhost::sdk::NodeResult{{std::move(out)}});
  }

 private:
  static absl::Status ChunkItem(NodeContext& context, const Json& item, size_t index,
                                const Json& params, flowhost::sdk::Items& out) {
    const std::string field = params["field"].get<std::string>();
    ChunkOptions options;
    options.size = params["size"].get<size_t>();
    options.overlap = params["overlap"].get<size_t>();
    if (options.overlap >= options.size) {
      return flowhost::sdk::NodeError(
          absl::StatusCode::kInvalidArgument, flowhost::sdk::error_class::kInvalidInput,
          "item " + std::to_string(index) + ": overlap (" + std::to_string(options.overlap) +
              ") must be less than size (" + std::to_string(options.size) + ")");
    }
    auto text = item.is_object() ? item.find(field) : item.end();
    if (!item.is_object() || text == item.end() || !text->is_string()) {
      return flowhost::sdk::NodeError(
          absl::StatusCode::kInvalidArgument, flowhost::sdk::error_class::kInvalidInput,
          "item " + std::to_string(index) + " has no string field '" + field + "' to chunk");
    }
    std::vector<std::string> chunks = ChunkText(text->get_ref<const std::string&>(), options);
    for (size_t c = 0; c < chunks.size(); ++c) {
      Json chunk = params["keep_fields"].get<bool>() ? item : Json::object();
      chunk.erase(field);
      chunk["chunk"] = std::move(chunks[c]);
      chunk["chunk_index"] = c;
      chunk["chunk_count"] = chunks.size();
      chunk["source_index"] = index;
      if (absl::Status reserved = context.ReserveItemBytes(flowhost::sdk::ItemBytes(chunk));
          !reserved.ok()) {
        return reserved;
      }
      out.push_back(std::move(chunk));
    }
    return absl::OkStatus();
  }

  const Json output_schema_;
};

class ChunkType : public flowhost::sdk::NodeType {
 public:
  ChunkType() {
    info_.type = "textkit.chunk";
    info_.version = 1;
    info_.description =
        "Splits a text field of each item into overlapping chunks at paragraph, sentence or word "
        "boundaries: one output item per chunk.";
    info_.parameter_schema = Json::parse(kSchema);
    info_.inputs = {{"main", "Items with a text field."}};
    info_.outputs = {{"main", "One item per chunk: chunk, chunk_index, chunk_count, source_index."}};
    // Each node's own (above); the type's says "the input's fields and the chunk fields".
    info_.output_schema = flowhost::sdk::PassThroughOutputSchema(kChunkFields);
  }
  const flowhost::sdk::NodeTypeInfo& info() const override { return info_; }

  std::unique_ptr<flowhost::sdk::Node> Create(flowhost::sdk::NodeConfig& config) const override {
    const Json& params = config.params();
    if (!config.IsDynamic("/size") && !config.IsDynamic("/overlap") &&
        params["overlap"].get<int64_t>() >= params["size"].get<int64_t>()) {
      config.Error("/overlap", "must be less than size");
      return nullptr;
    }
    bool keep = config.IsDynamic("/keep_fields") || params["keep_fields"].get<bool>();
    return std::make_unique<ChunkNode>(keep ? flowhost::sdk::PassThroughOutputSchema(kChunkFields)
                                            : flowhost::sdk::ExactOutputSchema(kChunkFields));
  }

 private:
  flowhost::sdk::NodeTypeInfo info_;
};

}  // namespace

std::shared_ptr<const flowhost::sdk::NodeType> ChunkNodeType() {
  return std::make_shared<ChunkType>();
}

}  // namespace textkit
