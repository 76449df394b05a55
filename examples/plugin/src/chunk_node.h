// `textkit.chunk`: splits a text field of each item into overlapping chunks, one output item per
// chunk, for embedding, retrieval or map-reduce summarising pipelines.
#ifndef TEXTKIT_CHUNK_NODE_H_
#define TEXTKIT_CHUNK_NODE_H_

#include <memory>

#include "flowhost/sdk/node.h"

namespace textkit {

std::shared_ptr<const flowhost::sdk::NodeType> ChunkNodeType();

}  // namespace textkit

#endif  // TEXTKIT_CHUNK_NODE_H_
