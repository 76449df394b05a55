// The textkit plugin library's entry point: the host loads libtextkit.so and calls this to register
// the family's node types.
#include "chunk_node.h"
#include "flowhost/plugin/plugin.h"

FLOWHOST_PLUGIN("textkit", "1.0.0", registry) { return registry.Register(textkit::ChunkNodeType()); }
